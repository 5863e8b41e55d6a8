"""``squadron doctor``: what is missing or wrong on this machine, and how to fix it."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from squadron.adapters.config import load_settings, project_config_path, user_config_path
from squadron.adapters.git import GitError, GitRepo, git_version
from squadron.adapters.tmux import TmuxError, tmux_version
from squadron.core.errors import SquadronError
from squadron.engine.engine import GIT_FLOOR, TMUX_FLOOR


@dataclass(frozen=True)
class Check:
    ok: bool
    what: str
    fix: str = ""
    optional: bool = False  # not ok, but squadron works without it (an agent not installed)

    @property
    def mark(self) -> str:
        return "ok " if self.ok else (" - " if self.optional else "FIX")


def _version(v: tuple[int, ...]) -> str:
    return ".".join(map(str, v))


def check_git() -> Check:
    if shutil.which("git") is None:
        return Check(False, "git not found", "install git ≥ 2.38")
    try:
        v = git_version()
    except GitError as exc:
        return Check(False, "git does not run", str(exc))
    if v < GIT_FLOOR:
        return Check(
            False,
            f"git {_version(v)} is too old",
            "install git ≥ 2.38 (needed for `git merge-tree --write-tree`)",
        )
    return Check(True, f"git {_version(v)}")


def check_tmux() -> Check:
    if shutil.which("tmux") is None:
        return Check(False, "tmux not found", "install tmux ≥ 3.2")
    try:
        v = tmux_version()
    except TmuxError as exc:
        return Check(False, "tmux does not run", str(exc))
    if v < TMUX_FLOOR:
        return Check(False, f"tmux {_version(v)} is too old", "install tmux ≥ 3.2")
    return Check(True, f"tmux {_version(v)}")


def run_doctor(path: Path | None) -> list[Check]:
    checks = [check_git(), check_tmux()]
    root: Path | None = None
    try:
        root = GitRepo.discover(path or Path(os.getcwd())).toplevel
        checks.append(Check(True, f"git repository {root}"))
    except GitError as exc:
        checks.append(
            Check(False, str(exc), "run squadron inside a git repository or pass --repo PATH")
        )
    for cfg in (user_config_path(), *([project_config_path(root)] if root else [])):
        checks.append(Check(True, f"config {cfg}" + ("" if cfg.exists() else " (none, defaults)")))
    try:
        settings = load_settings(root)
    except SquadronError as exc:
        checks.append(Check(False, "config is invalid", str(exc)))
        return checks
    for name, preset in sorted(settings.agents.items()):
        program = preset.command[0] if preset.command else (os.environ.get("SHELL") or "/bin/sh")
        found = shutil.which(program)
        if found:
            checks.append(Check(True, f"agent {name}: {found}"))
        else:
            mark = " (default agent)" if name == settings.default_agent else ""
            checks.append(
                Check(
                    False,
                    f"agent {name}{mark}: '{program}' not on PATH",
                    f"install it, or set [agents.{name}] command in {user_config_path()}",
                    optional=name != settings.default_agent,
                )
            )
    return checks
