"""Finding a repository's folders without running git, for commands that only read squadron's
state (``ls``): a few file reads instead of a git process and GitPython's import.

Anything unusual (a bare repository, ``gitdir`` files git itself would refuse) gives None, and
the caller falls back to asking git.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

# Variables that point git at one particular repository (set by git for hooks and `rebase -x`).
# Inherited by squadron they would redirect every call, and every agent, to that repository.
REPO_ENV_VARS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_PREFIX",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_SHALLOW_FILE",
    "GIT_GRAFT_FILE",
)


def scrub_repo_environment(environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Remove :data:`REPO_ENV_VARS` from ``environ`` (default ``os.environ``); names removed.

    Call once at start-up, before any git call or tmux server start.
    """
    target = os.environ if environ is None else environ
    removed = [name for name in REPO_ENV_VARS if name in target]
    for name in removed:
        del target[name]
    return removed


def _read_pointer(path: Path) -> Path | None:
    """The folder a one-line git pointer file names (``gitdir: X``, ``commondir``)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    text = text.removeprefix("gitdir:").strip()
    if not text:
        return None
    target = Path(text)
    return (target if target.is_absolute() else path.parent / target).resolve()


def find_repository(start: Path) -> tuple[Path, Path] | None:
    """(main working tree, git common dir) of the repository around ``start``, or None."""
    here = start.expanduser().absolute()
    for folder in (here, *here.parents):
        dot = folder / ".git"
        if dot.is_dir():
            gitdir = dot
        elif dot.is_file():
            pointed = _read_pointer(dot)
            if pointed is None or not pointed.is_dir():
                return None
            gitdir = pointed
        else:
            continue
        common = _read_pointer(gitdir / "commondir") if (gitdir / "commondir").exists() else None
        common = common or gitdir
        if not (common / "HEAD").exists():
            return None
        toplevel = common.parent if common.name == ".git" else folder
        return toplevel, common
    return None
