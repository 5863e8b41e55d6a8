"""Ending a task: archive (keep the branch) and remove (keep unmerged work under a ref).

``LifecycleOps`` is a part of ``Engine`` kept in its own module; it relies on the engine's
``repo``, ``tmux``, ``clock``, ``get``, ``_update``, ``snapshot``, ``record_status`` and
``store``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from squadron.adapters.git import GitError
from squadron.core.errors import SquadronError
from squadron.core.status import Provenance, Status, StatusReading
from squadron.core.task import Stage, Task

if TYPE_CHECKING:
    from squadron.adapters.git import GitRepo
    from squadron.adapters.store import StateStore
    from squadron.adapters.tmux import TmuxServer
    from squadron.core.detector import PaneSnapshot


class LifecycleOps:
    repo: GitRepo
    tmux: TmuxServer
    store: StateStore
    clock: Callable[[], float]

    def get(self, tid: str) -> Task:
        raise NotImplementedError

    def _update(self, tid: str, change: Callable[[Task], None]) -> Task:
        raise NotImplementedError

    def snapshot(self, task: Task) -> PaneSnapshot | None:
        raise NotImplementedError

    def record_status(self, tid: str, reading: StatusReading, screen: str) -> Task | None:
        raise NotImplementedError

    def _end_session(self, task: Task) -> None:
        snap = self.snapshot(task)
        if snap is not None:
            self.record_status(
                task.id, StatusReading(Status.EXITED, Provenance.PROCESS), snap.screen
            )
        self.tmux.kill_session(task.session)

    def archive(self, tid: str) -> str:
        """End the session and remove the worktree; pending work is committed on the branch."""
        task = self.get(tid)
        self._end_session(task)
        note = ""
        worktree = Path(task.worktree)
        if worktree.is_dir():
            try:
                if self.repo.commit_pending(
                    worktree, f"{task.title} (work in progress, saved by squadron archive)"
                ):
                    note = f"uncommitted work was committed on {task.branch}"
                self.repo.remove_worktree(worktree)
            except GitError as exc:
                raise SquadronError(str(exc)) from None
        now = self.clock()

        def change(t: Task) -> None:
            t.stage = Stage.ARCHIVED
            t.record(now, "stage", "archived" + (f"; {note}" if note else ""))

        self._update(task.id, change)
        return note

    def remove(self, tid: str, force: bool = False) -> str:
        """Delete the task, its worktree and branch; work not in base is kept under a ref."""
        task = self.get(tid)
        worktree = Path(task.worktree)
        has_tree = worktree.is_dir()
        try:
            branch_alive = self.repo.branch_exists(task.branch)
            unmerged = branch_alive and self.repo.has_unmerged_work(
                task.base, task.branch, worktree if has_tree else None
            )
        except GitError as exc:
            raise SquadronError(str(exc)) from None
        if unmerged and not force:
            raise SquadronError(
                f"{task.id} holds work not merged into {task.base} "
                "(commits or uncommitted changes); merge it, archive it, "
                "or rm --force (the work is kept under a ref)"
            )
        saved = ""
        if unmerged:
            ref = f"refs/squadron/trash/{task.id}"
            commit = (
                self.repo.snapshot(worktree).commit
                if has_tree
                else self.repo.rev_parse(task.branch)
            )
            self.repo.save_ref(ref, commit)
            saved = f"work saved as {ref}; restore with: git branch {task.branch} {ref}"
        self._end_session(task)
        try:
            if has_tree:
                self.repo.remove_worktree(worktree)
            if branch_alive:
                self.repo.delete_branch(task.branch)
        except GitError as exc:
            raise SquadronError(str(exc)) from None
        self.store.delete(task.id)
        return saved
