"""Ending a task: archive (keep the branch) and remove (keep everything under a ref).

Work is judged by reachability, not by names (:meth:`GitRepo.work_at_risk`): whatever the
task's worktree is on (its branch, a renamed or other branch, a detached HEAD), nothing it
holds (commits, uncommitted, untracked and ignored files) is destroyed without a ref that
keeps it. Every precondition is checked before the agent's session is ended, and named fault
points sit between the irreversible steps; running the same command again completes it.

``LifecycleOps`` is a part of ``Engine`` kept in its own module; it relies on the engine's
``repo``, ``tmux``, ``clock``, ``get``, ``_update``, ``snapshot``, ``record_status`` and
``store``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from squadron.adapters.faults import fault_point
from squadron.adapters.git import IGNORED_LIMIT, GitError, SavedWork, WorkAtRisk, human_size
from squadron.core.errors import SquadronError
from squadron.core.status import Provenance, Status, StatusReading
from squadron.core.task import Stage, Task

if TYPE_CHECKING:
    from squadron.adapters.git import GitRepo
    from squadron.adapters.store import StateStore
    from squadron.adapters.tmux import TmuxServer
    from squadron.core.detector import PaneSnapshot

TRASH = "refs/squadron/trash/"
ARCHIVE = "refs/squadron/archive/"


@dataclass(frozen=True)
class _Where:
    """A task's worktree (None when gone) and the task branch's ref (None when gone)."""

    worktree: Path | None
    branch_ref: str | None
    on_branch: bool  # the worktree has the task branch checked out

    @property
    def doomed(self) -> list[str]:
        return [self.branch_ref] if self.branch_ref else []


class LifecycleOps:
    repo: GitRepo
    tmux: TmuxServer
    store: StateStore
    clock: Callable[[], float]
    ignored_limit: int = IGNORED_LIMIT  # bytes of ignored files archive and rm keep

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

    # -- where the task's work is ------------------------------------------------------------
    def _where(self, task: Task, deleting_branch: bool) -> _Where:
        """Where the task's work lives now; refuses (SquadronError) what archive and rm could
        not finish: a locked worktree, a folder that is not this repository's worktree, and
        (when the branch is to be deleted) the task branch checked out in another worktree."""
        path = Path(task.worktree)
        worktree = path if path.is_dir() else None
        ref = f"refs/heads/{task.branch}"
        alive = self.repo.branch_exists(task.branch)
        if worktree is not None:
            entry = self.repo.worktree_entry(worktree)
            if entry is None:
                raise SquadronError(
                    f"{task.id}: {worktree} is not a worktree of this repository; "
                    "move it away first, nothing was changed"
                )
            if entry.locked:
                raise SquadronError(
                    f"{task.id}'s worktree is locked; `git worktree unlock {worktree}` "
                    "first, nothing was changed"
                )
        holder = self.repo.branch_worktree(task.branch) if alive else None
        if holder is not None and not holder.path.is_dir():
            holder = None  # a worktree deleted by hand: pruned when rm removes the worktree
        on_branch = holder is not None and worktree is not None and _same(holder.path, worktree)
        if deleting_branch and holder is not None and not on_branch:
            raise SquadronError(
                f"{task.id}'s branch {task.branch} is checked out in {holder.path}; "
                "switch that checkout to another branch first, nothing was changed"
            )
        return _Where(worktree, ref if alive else None, on_branch)

    def _risk(self, where: _Where) -> WorkAtRisk:
        return self.repo.work_at_risk(where.worktree, where.doomed)

    def _save(
        self, task: Task, ref: str, worktree: Path | None, keep: list[str], restore_as: str
    ) -> SavedWork:
        return self.repo.save_work(
            ref,
            worktree,
            keep,
            restore_as=restore_as,
            message=f"squadron: work of {task.id} ({task.title})",
            ignored_limit=self.ignored_limit,
        )

    # -- archive -----------------------------------------------------------------------------
    def archive(self, tid: str) -> str:
        """End the session and remove the worktree, keeping the branch.

        Pending work is committed on the task branch when the worktree is on it; whatever
        no ref would keep otherwise (work on a detached HEAD or on another branch, ignored
        files) is saved under ``refs/squadron/archive/<id>``. Everything that could refuse is
        checked before the agent's session ends; running it again completes a killed archive.
        """
        task = self.get(tid)
        try:
            where = self._where(task, deleting_branch=False)
            self.repo.work_at_risk(where.worktree)  # it can be read: saving it will work
        except GitError as exc:
            raise SquadronError(f"{exc}; nothing was changed") from None
        self._end_session(task)
        fault_point("archive:session-ended")
        try:
            notes = self._archive_work(task, where)
            fault_point("archive:saved")
            if where.worktree is not None:
                self.repo.remove_worktree(where.worktree)
        except GitError as exc:
            raise SquadronError(f"{exc}; the worktree was kept") from None
        fault_point("archive:worktree-removed")
        note = "; ".join(notes)
        now = self.clock()

        def change(t: Task) -> None:
            t.stage = Stage.ARCHIVED
            t.record(now, "stage", "archived" + (f"; {note}" if note else ""))

        self._update(task.id, change)
        return note

    def _archive_work(self, task: Task, where: _Where) -> list[str]:
        """Commit pending work on the task branch (when the worktree is on it), then save what
        no ref keeps under the archive ref; what was done, for the user."""
        if where.worktree is None:
            return []
        notes = []
        if where.on_branch and self.repo.commit_pending(
            where.worktree, f"{task.title} (work in progress, saved by squadron archive)"
        ):
            notes.append(f"uncommitted work was committed on {task.branch}")
        risk = self.repo.work_at_risk(where.worktree)
        if risk.empty:
            return notes
        ref = ARCHIVE + task.id
        saved = self._save(task, ref, where.worktree, [], f"{task.branch}-archived")
        kept = _kept(risk, saved)
        if not where.on_branch:
            notes.append(f"{self._off_branch(task, where.worktree)}; kept under {ref}: {kept}")
        elif saved.ignored:
            notes.append(f"kept under {ref}: {kept}")
        if not where.on_branch or saved.ignored:
            notes.append(_restore(saved))
        if saved.skipped:
            notes.append(_skipped(saved, self.ignored_limit))
        return notes

    def _off_branch(self, task: Task, worktree: Path) -> str:
        what = self.repo.current_branch(worktree)
        if what is None:
            return "the worktree was on a detached HEAD"
        if what == task.branch:
            return f"the branch {task.branch} no longer exists"
        return f"the worktree was on branch {what}, not {task.branch}"

    # -- remove ------------------------------------------------------------------------------
    def remove(self, tid: str, force: bool = False) -> str:
        """Delete the task, its worktree and branch.

        Refuses when anything would be lost (files in the worktree, commits on no other ref
        whose changes are not in the base) unless ``force``; whatever would be lost is first
        saved under ``refs/squadron/trash/<id>``. A worktree or branch already gone is fine.
        """
        task = self.get(tid)
        try:
            where = self._where(task, deleting_branch=True)
            risk = self._risk(where)
            if not force and self._would_lose(task, risk):
                raise SquadronError(self._refusal(task, where, risk))
        except GitError as exc:
            raise SquadronError(f"{exc}; nothing was changed") from None
        self._end_session(task)
        fault_point("rm:session-ended")
        try:
            tip = self.repo.ref_commit(where.branch_ref) if where.branch_ref else None
            risk = self._risk(where)  # again: the agent may have written until it ended
            saved = None
            if not risk.empty:
                keep = [tip] if tip else []
                saved = self._save(task, TRASH + task.id, where.worktree, keep, task.branch)
            fault_point("rm:saved")
            self.repo.remove_worktree(Path(task.worktree))  # also prunes one deleted by hand
            fault_point("rm:worktree-removed")
            if tip is not None:
                self.repo.delete_branch(task.branch, expected=tip)
            fault_point("rm:branch-deleted")
        except GitError as exc:
            raise SquadronError(f"{exc}; rm {task.id} again to finish") from None
        self.store.delete(task.id)
        if saved is None:
            return ""
        kept = _kept(risk, saved)
        parts = [f"kept under {saved.ref}: {kept}", _restore(saved)] if kept != "nothing" else []
        if saved.skipped:
            parts.append(_skipped(saved, self.ignored_limit))
        return "; ".join(parts)

    def _would_lose(self, task: Task, risk: WorkAtRisk) -> bool:
        """Files always count; commits only when their changes are not in the base yet (a
        squash- or rebase-merged branch loses nothing; its commits are still kept)."""
        if risk.has_files:
            return True
        if not risk.commits:
            return False
        try:
            return not all(self.repo.contains_work(task.base, head) for head in risk.heads)
        except GitError:
            return True  # the base is gone: nothing to compare with

    def _refusal(self, task: Task, where: _Where, risk: WorkAtRisk) -> str:
        place = "worktree" if where.worktree is not None else f"branch {task.branch}"
        return (
            f"{task.id}'s {place} holds work not merged into {task.base}: "
            f"{risk.describe()}; merge it, archive it, or rm --force "
            f"(everything is kept under {TRASH}{task.id})"
        )


def _same(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def _restore(saved: SavedWork) -> str:
    return "restore with: " + " and ".join(saved.restore)


def _kept(risk: WorkAtRisk, saved: SavedWork) -> str:
    """What ``saved`` holds of ``risk``, in words: ignored files over the bound left out."""
    return replace(risk, ignored=saved.ignored).describe()


def _skipped(saved: SavedWork, limit: int) -> str:
    shown = ", ".join(f"{p.path} ({human_size(p.size)})" for p in saved.skipped[:10])
    more = f" and {len(saved.skipped) - 10} more" if len(saved.skipped) > 10 else ""
    return f"not kept (ignored files over the {human_size(limit)} bound): {shown}{more}"
