"""Repairs that need no decision: worktree links broken by a moved repository or a moved
worktree folder. Run when an engine opens (a few file reads) and by ``doctor``."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from squadron.adapters.git import GitError
from squadron.adapters.places import default_worktree_root
from squadron.core.task import Stage, Task

if TYPE_CHECKING:
    from squadron.engine.engine import Engine

LIVE = (Stage.CREATING, Stage.RUNNING, Stage.REVIEW, Stage.MERGED)


def repair_links(engine: Engine, tasks: list[Task]) -> list[str]:
    """Repair what a move broke; one line per repair (or per repair that failed, with the
    command to run by hand)."""
    done = []
    root = Path(engine.settings.worktree_root or default_worktree_root(engine.repo.toplevel))
    for task in tasks:
        if task.stage not in LIVE:
            continue
        path = Path(task.worktree)
        moved_with = root / path.name
        if not path.is_dir() and moved_with != path and (moved_with / ".git").is_file():
            # the worktree folder moved along with the repository's parent folder
            engine.store.update(task.id, _moved_to(str(moved_with)))
            path = moved_with
            done.append(f"{task.id}: its worktree is now at {path}")
        if not engine.repo.worktree_link_broken(path):
            continue
        try:
            engine.repo.repair_worktree(path)
            done.append(f"{task.id}: repaired its worktree's link to the moved repository")
        except GitError as exc:
            done.append(
                f"{task.id}: its worktree lost its link to the repository ({exc}); run: "
                f"git -C {engine.repo.toplevel} worktree repair {path}"
            )
    return done


def _moved_to(path: str) -> Callable[[Task], None]:
    def change(task: Task) -> None:
        task.record(time.time(), "note", f"worktree moved to {path}")
        task.worktree = path

    return change
