"""The tools squadron cannot run without, checked one way for ``doctor`` and for start-up."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass

from squadron.adapters.git import GitError, git_version
from squadron.adapters.tmux import TmuxError, tmux_version
from squadron.core.errors import UsageError

GIT_FLOOR = (2, 38, 0)
TMUX_FLOOR = (3, 2)


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


def _check_tool(
    name: str,
    version: Callable[[], tuple[int, ...]],
    errors: type[Exception],
    floor: tuple[int, ...],
    why: str = "",
) -> Check:
    need = f"install {name} ≥ {_version(floor[:2])}{why}"
    if shutil.which(name) is None:
        return Check(False, f"{name} is not installed", need)
    try:
        found = version()
    except errors as exc:
        return Check(False, f"{name} does not run", str(exc))
    if found < floor:
        return Check(False, f"{name} {_version(found)} is too old", need)
    return Check(True, f"{name} {_version(found)}")


def check_git() -> Check:
    return _check_tool(
        "git", git_version, GitError, GIT_FLOOR, " (needed for `git merge-tree --write-tree`)"
    )


def check_tmux() -> Check:
    return _check_tool("tmux", tmux_version, TmuxError, TMUX_FLOOR)


def check_floors() -> None:
    """Refuse to run without git ≥ 2.38 and tmux ≥ 3.2: one line, exit 2."""
    for check in (check_git(), check_tmux()):
        if not check.ok:
            raise UsageError(f"{check.what}; {check.fix}")
