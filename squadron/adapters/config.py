"""Where squadron's files live and what the user configured.

Two TOML files, both optional, both strict (an unknown key is an error that names the file, the
key and the nearest valid key):

- user config:    ``$XDG_CONFIG_HOME/squadron/config.toml`` (default ``~/.config/...``)
- project config: ``.squadron.toml`` at the repository root, shared with the team

Top-level keys from the project file win over the user file; ``[agents.NAME]`` tables merge
field by field over the built-in presets (built-in < user < project).
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from squadron.adapters.places import (
    project_config_path,
    user_config_path,
)
from squadron.adapters.tmux import detach_key_problem
from squadron.core.errors import UsageError
from squadron.core.presets import Preset, PresetError, builtin_presets, merge_presets

AUTO_APPROVE = ("off", "safe", "all")
DESKTOP = ("off", "osc9", "osc777", "notify-send")


class ConfigError(UsageError):
    """A config file is unreadable or holds a bad key or value."""


@dataclass(frozen=True)
class Notifications:
    bell: bool = True
    desktop: str = "off"
    delay: float = 0.0


@dataclass(frozen=True)
class Settings:
    default_agent: str = "claude"
    detach_key: str = "C-q"
    theme: str = "squadron-dark"
    auto_approve: str = "off"
    ready_timeout: float = 30.0
    worktree_root: str = ""
    branch_prefix: str = "squadron/"
    check: str = ""
    auto_check: bool = False
    keys: Mapping[str, str] = field(default_factory=dict)
    notifications: Notifications = field(default_factory=Notifications)
    agents: Mapping[str, Preset] = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    def preset(self, name: str) -> Preset:
        try:
            return self.agents[name]
        except KeyError:
            raise UsageError(
                f"unknown agent '{name}'; presets: {', '.join(sorted(self.agents))}"
            ) from None


_SCALARS: dict[str, type | tuple[type, ...]] = {
    "default_agent": str,
    "detach_key": str,
    "theme": str,
    "auto_approve": str,
    "ready_timeout": (int, float),
    "worktree_root": str,
    "branch_prefix": str,
    "check": str,
    "auto_check": bool,
}
_TABLES = ("keys", "notifications", "agents")
_NOTIFY_TYPES: dict[str, type | tuple[type, ...]] = {
    "bell": bool,
    "desktop": str,
    "delay": (int, float),
}


def _nearest(key: str, valid: list[str]) -> str:
    match = difflib.get_close_matches(key, valid, n=1)
    return f" (did you mean '{match[0]}'?)" if match else f" (valid: {', '.join(valid)})"


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (at byte {exc.start + 1})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def _check_file(path: Path, data: dict[str, Any]) -> None:
    valid = [*_SCALARS, *_TABLES]
    for key, value in data.items():
        if key not in valid:
            raise ConfigError(f"{path}: unknown key '{key}'{_nearest(key, valid)}")
        expected = _SCALARS.get(key, dict)
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise ConfigError(f"{path}: '{key}' has the wrong type ({type(value).__name__})")
    if data.get("auto_approve", "off") not in AUTO_APPROVE:
        raise ConfigError(f"{path}: 'auto_approve' must be one of {', '.join(AUTO_APPROVE)}")
    for key, value in data.get("notifications", {}).items():
        if key not in _NOTIFY_TYPES:
            raise ConfigError(
                f"{path}: unknown key 'notifications.{key}'{_nearest(key, list(_NOTIFY_TYPES))}"
            )
        if not isinstance(value, _NOTIFY_TYPES[key]):
            raise ConfigError(f"{path}: 'notifications.{key}' has the wrong type")
    desktop = data.get("notifications", {}).get("desktop", "off")
    if desktop not in DESKTOP:
        raise ConfigError(f"{path}: 'notifications.desktop' must be one of {', '.join(DESKTOP)}")
    for name, table in data.get("agents", {}).items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: 'agents.{name}' must be a table")
    for name, value in data.get("keys", {}).items():
        if isinstance(value, dict):
            raise ConfigError(
                f"{path}: 'keys.{name}' is a table: quote ids with a dot, "
                f'e.g. "{name}.{next(iter(value), "send")}" = "…"'
            )
        if not isinstance(value, str):
            raise ConfigError(f"{path}: 'keys.{name}' must be a string")
    _check_values(path, data)


def _check_values(path: Path, data: dict[str, Any]) -> None:
    """Values of the right type that squadron still cannot use."""
    if "detach_key" in data:
        problem = detach_key_problem(data["detach_key"])
        if problem:
            raise ConfigError(
                f"{path}: 'detach_key' = {data['detach_key']!r} cannot be used: {problem}"
            )
    root = data.get("worktree_root", "")
    if root and not _expand(root).is_absolute():
        raise ConfigError(
            f"{path}: 'worktree_root' = {root!r} is relative: give an absolute path "
            "(or one starting with ~/) outside the repository"
        )
    if data.get("ready_timeout", 1) <= 0:
        raise ConfigError(f"{path}: 'ready_timeout' must be a number of seconds above 0")
    if data.get("notifications", {}).get("delay", 0) < 0:
        raise ConfigError(f"{path}: 'notifications.delay' must be 0 seconds or more")


def _expand(value: str) -> Path:
    """``value`` with a leading ``~`` or ``~user`` expanded (kept as is when that fails)."""
    try:
        return Path(value).expanduser()
    except RuntimeError:  # no home directory for that user
        return Path(value)


def _worktree_root(path: Path, value: str, repo_root: Path | None) -> str:
    """The ``worktree_root`` set in ``path``, ``~`` expanded; refused inside the repository
    (the worktrees would show up in the user's checkout)."""
    root = _expand(value)
    if repo_root is not None:
        repo = repo_root.resolve()
        if root.resolve() == repo or repo in root.resolve().parents:
            raise ConfigError(
                f"{path}: 'worktree_root' = {value!r} is inside the repository {repo}: "
                "worktrees there would show up in your checkout; give a folder outside it"
            )
    return str(root)


def load_settings(repo_root: Path | None, user_path: Path | None = None) -> Settings:
    """Read the user and project config files into one ``Settings``; raises ``ConfigError``."""
    paths = [user_path or user_config_path()]
    if repo_root is not None:
        paths.append(project_config_path(repo_root))
    merged: dict[str, Any] = {}
    agent_tables: dict[str, dict[str, Any]] = {}
    keys: dict[str, str] = {}
    notify: dict[str, Any] = {}
    sources = []
    origin: dict[tuple[str, str], Path] = {}  # (preset or "", key) -> the file that set it
    for path in paths:
        data = read_toml(path)
        if not data:
            continue
        sources.append(str(path))
        _check_file(path, data)
        for name, table in data.get("agents", {}).items():
            agent_tables.setdefault(name, {}).update(table)
            origin.update({(name, ""): path} | {(name, key): path for key in table})
        keys.update(data.get("keys", {}))
        notify.update(data.get("notifications", {}))
        merged.update({k: v for k, v in data.items() if k in _SCALARS})
        origin.update({("", k): path for k in data if k in _SCALARS})
    try:
        agents = merge_presets(builtin_presets(), agent_tables)
    except PresetError as exc:
        where = origin.get((exc.preset, exc.key)) or origin.get((exc.preset, ""))
        raise ConfigError(f"{where or ' or '.join(sources) or 'config'}: {exc}") from None
    if merged.get("worktree_root"):
        merged["worktree_root"] = _worktree_root(
            origin[("", "worktree_root")], merged["worktree_root"], repo_root
        )
    known = {f.name for f in fields(Settings)}
    values = {k: v for k, v in merged.items() if k in known}
    if "ready_timeout" in values:
        values["ready_timeout"] = float(values["ready_timeout"])
    return Settings(
        **values,
        keys=keys,
        notifications=Notifications(**notify),
        agents=agents,
        sources=tuple(sources),
    )
