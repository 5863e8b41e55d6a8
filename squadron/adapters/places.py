"""Where squadron's files live (user config, project config, state, worktrees). Pure paths:
the commands that only read state import this and nothing heavier."""

from __future__ import annotations

import os
from pathlib import Path


def _xdg_home(variable: str, default: Path) -> Path:
    """``$variable`` if it holds an absolute path, else ``default`` (the XDG Base Directory
    spec says to ignore a relative one)."""
    value = os.environ.get(variable, "")
    return Path(value) if os.path.isabs(value) else default


def config_dir() -> Path:
    return _xdg_home("XDG_CONFIG_HOME", Path.home() / ".config") / "squadron"


def user_config_path() -> Path:
    return config_dir() / "config.toml"


def project_config_path(repo_root: Path) -> Path:
    return repo_root / ".squadron.toml"


def state_home() -> Path:
    return _xdg_home("XDG_STATE_HOME", Path.home() / ".local" / "state") / "squadron"


def default_worktree_root(repo_root: Path) -> Path:
    """``<repo-parent>/.squadron-worktrees/<repo-name>``: outside the main working tree."""
    return repo_root.parent / ".squadron-worktrees" / repo_root.name


__all__ = [
    "config_dir",
    "default_worktree_root",
    "project_config_path",
    "state_home",
    "user_config_path",
]
