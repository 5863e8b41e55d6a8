"""Reviewing and landing a task: diffs, viewed marks, comments and review rounds, checks,
merge (with its check gate), pushes and pull requests, and the delegation figures.

``ReviewOps`` is a part of ``Engine`` kept in its own module; it relies on the engine's
``repo``, ``settings``, ``store``, ``clock``, ``get``, ``_update`` and ``send``.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from squadron.adapters.faults import fault_point
from squadron.adapters.git import GitError, MergeConflict
from squadron.core.choices import STRATEGIES
from squadron.core.diffparse import FileDiff
from squadron.core.errors import SquadronError, UsageError
from squadron.core.naming import first_line
from squadron.core.review import fingerprint, format_review, is_stale, quote_lines, still_viewed
from squadron.core.stats import TaskFigures, figures
from squadron.core.task import CheckRecord, Comment, Mode, Outgoing, ReviewRound, Stage, Task

if TYPE_CHECKING:
    from squadron.adapters.config import Settings
    from squadron.adapters.git import GitRepo, MergePlan, Snapshot
    from squadron.adapters.store import StateStore


@dataclass(frozen=True)
class CheckResult:
    """One run of the repository's check command in a task's worktree."""

    command: str
    exit_code: int
    duration: float
    output: str  # the last lines of stdout and stderr

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def summary(self) -> str:
        verdict = "passed" if self.ok else f"failed (exit {self.exit_code})"
        return f"check {verdict} in {self.duration:.1f}s: {self.command}"


@dataclass(frozen=True)
class MergeOutcome:
    """What a merge did: ``commit`` is the base branch's commit afterwards."""

    commit: str
    already: bool  # the base already held the task's work: it was only marked merged
    message: str  # one line for the user


@dataclass(frozen=True)
class ReviewSnapshot:
    """What the review screen shows, from one look at the worktree."""

    full: str  # the diff against the base
    since: str | None  # the diff since the last review round (None: no round yet)
    revision: str  # the tree that was diffed (what a check must have seen)


class ReviewOps:
    repo: GitRepo
    settings: Settings
    store: StateStore
    clock: Callable[[], float]

    def get(self, tid: str) -> Task:
        raise NotImplementedError

    def _update(self, tid: str, change: Callable[[Task], None]) -> Task:
        raise NotImplementedError

    def send(
        self,
        tid: str,
        text: str = "",
        force: bool = False,
        keys: Sequence[str] = (),
        enter: bool = False,
        kind: str = "message",
    ) -> Outgoing:
        raise NotImplementedError

    # -- what changed ------------------------------------------------------------------------
    def _worktree(self, task: Task) -> Path:
        path = Path(task.worktree)
        if not path.is_dir():
            raise SquadronError(
                f"{task.id}: its worktree is gone (archived?); "
                f"see `git diff {task.base}...{task.branch}`"
            )
        return path

    def revision(self, task: Task) -> str:
        """The tree of everything in the task's worktree now (what a diff would show)."""
        try:
            return self.repo.snapshot(self._worktree(task)).tree
        except GitError as exc:
            raise SquadronError(str(exc)) from None

    def diff(self, tid: str, stat: bool = False, since_review: bool = False) -> str:
        """The task's changes against its base, or only those since the last review round."""
        task = self.get(tid)
        since = None
        if since_review:
            if not task.rounds:
                raise SquadronError(f"{task.id} has had no review round yet")
            since = task.rounds[-1].revision
        try:
            return self.repo.diff(self._worktree(task), task.base, stat=stat, since=since)
        except GitError as exc:
            raise SquadronError(str(exc)) from None

    def review_snapshot(self, tid: str) -> ReviewSnapshot:
        """Both review scopes and the revision, from a single snapshot of the worktree."""
        task = self.get(tid)
        try:
            old, tree = self.repo.diff_range(self._worktree(task), task.base)
            full = self.repo.diff_between(old, tree)
            since = self.repo.diff_between(task.rounds[-1].revision, tree) if task.rounds else None
        except GitError as exc:
            raise SquadronError(str(exc)) from None
        return ReviewSnapshot(full=full, since=since, revision=tree)

    def viewed_files(self, tid: str, files: list[FileDiff]) -> set[str]:
        """Files marked viewed whose change has not moved since (marks survive restarts)."""
        return still_viewed(self.get(tid).viewed, files)

    def mark_viewed(self, tid: str, path: str, viewed: bool, file: FileDiff | None) -> None:
        def change(t: Task) -> None:
            if viewed and file is not None:
                t.viewed[path] = fingerprint(file)
            else:
                t.viewed.pop(path, None)

        self._update(tid, change)

    def set_criteria(self, tid: str, ticked: list[int]) -> None:
        """Remember which acceptance criteria the reviewer has checked off."""
        self._update(tid, lambda t: setattr(t, "criteria_ticked", sorted(set(ticked))))

    # -- comments and review rounds ----------------------------------------------------------
    def add_comment(
        self, tid: str, path: str, text: str, line: int | None = None, end_line: int | None = None
    ) -> Comment:
        """A pending comment on a file, a line or a range; it quotes the code it is about."""
        task = self.get(tid)
        if not text.strip():
            raise UsageError("a comment needs some text")
        bad_start = line is not None and line < 1
        bad_end = end_line is not None and (line is None or end_line < line)
        if bad_start or bad_end:
            raise UsageError(f"bad line range for {path}: {line}-{end_line}")
        current = self._file_text(task, path)
        if current is None and (line is not None or not self._in_base(task, path)):
            raise UsageError(f"{task.id}: no file '{path}' in its worktree")
        current = current or ""  # a file the task deleted: a comment on the whole file
        if line is not None and line > len(current.splitlines()):
            raise UsageError(f"{path} has only {len(current.splitlines())} lines")
        comment = Comment(
            id=max((c.id for c in task.comments), default=0) + 1,
            path=path,
            text=text,
            line=line,
            end_line=end_line,
            quote=quote_lines(current, line, end_line),
            revision=self.revision(task),
            created_at=self.clock(),
        )
        self._update(tid, lambda t: t.comments.append(comment))
        return comment

    def edit_comment(self, tid: str, comment_id: int, text: str) -> None:
        def change(t: Task) -> None:
            for c in t.comments:
                if c.id == comment_id:
                    c.text = text
                    return
            raise UsageError(f"{t.id} has no pending comment {comment_id}")

        self._update(tid, change)

    def remove_comment(self, tid: str, comment_id: int) -> None:
        def change(t: Task) -> None:
            kept = [c for c in t.comments if c.id != comment_id]
            if len(kept) == len(t.comments):
                raise UsageError(f"{t.id} has no pending comment {comment_id}")
            t.comments = kept

        self._update(tid, change)

    def _file_text(self, task: Task, path: str) -> str | None:
        worktree = self._worktree(task).resolve()
        target = (worktree / path).resolve()
        if not target.is_relative_to(worktree) or not target.is_file():
            return None
        return target.read_text(encoding="utf-8", errors="replace")

    def _in_base(self, task: Task, path: str) -> bool:
        try:
            self.repo.rev_parse(f"{task.base}:{path}")
        except GitError:
            return False
        return True

    def stale_comments(self, tid: str) -> set[int]:
        """Pending comments whose code the agent has changed since they were written."""
        task = self.get(tid)
        return {c.id for c in task.comments if is_stale(c, self._file_text(task, c.path))}

    def send_review(self, tid: str, summary: str = "") -> ReviewRound:
        """Send every pending comment as one instruction; the task goes back to work."""
        task = self.get(tid)
        if not task.comments and not summary.strip():
            raise UsageError(f"{task.id} has no pending comments to send")
        if task.mode == Mode.CONDUCTOR:
            raise SquadronError(f"{task.id} is in conductor mode: send it back first")
        stale = self.stale_comments(tid)
        number = len(task.rounds) + 1
        try:
            snap = self.repo.snapshot(self._worktree(task))
            self.repo.save_ref(f"refs/squadron/review/{task.id}/{number}", snap.commit)
        except GitError as exc:
            raise SquadronError(str(exc)) from None
        self.send(tid, format_review(number, task.comments, stale, summary), kind="review")
        now = self.clock()
        review = ReviewRound(
            number=number, at=now, revision=snap.commit, comments=len(task.comments)
        )

        def change(t: Task) -> None:
            t.rounds.append(review)
            t.comments = []
            t.stage = Stage.RUNNING
            t.record(now, "review", f"round {number} sent: {review.comments} comment(s)")

        self._update(tid, change)
        return review

    # -- checks ------------------------------------------------------------------------------
    def run_check(self, tid: str, timeout: float = 1800) -> CheckResult:
        """Run the configured check command in the task's worktree and record the result."""
        task = self.get(tid)
        command = self.settings.check
        if not command:
            raise UsageError('no check command: set check = "…" in .squadron.toml')
        worktree = self._worktree(task)
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise UsageError(f"cannot parse the check command: {exc}") from None
        revision = self.revision(task)
        started = time.monotonic()
        try:
            proc = subprocess.run(
                argv,
                cwd=worktree,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
            code, output = proc.returncode, proc.stdout + proc.stderr
        except FileNotFoundError:
            code, output = 127, f"{argv[0]}: command not found"
        except subprocess.TimeoutExpired:
            code, output = 124, f"timed out after {timeout:.0f}s"
        tail = "\n".join(output.rstrip().splitlines()[-60:])
        result = CheckResult(command, code, time.monotonic() - started, tail)
        now = self.clock()

        def change(t: Task) -> None:
            t.check = CheckRecord(
                exit_code=code, at=now, duration=result.duration, output=tail, revision=revision
            )
            t.record(now, "check", result.summary)

        self._update(tid, change)
        return result

    def check_state(self, task: Task, revision: str | None = None) -> str:
        """``none`` (no check configured), ``missing``, ``stale`` (ran on older code),
        ``pass`` or ``fail``."""
        if not self.settings.check:
            return "none"
        if task.check is None:
            return "missing"
        if revision is not None and task.check.revision != revision:
            return "stale"
        return "pass" if task.check.ok else "fail"

    def send_check_failure(self, tid: str) -> None:
        """Tell the agent the check failed, with the output's tail, and ask for a fix."""
        task = self.get(tid)
        if task.check is None or task.check.ok:
            raise UsageError(f"{task.id} has no failing check to send")
        tail = "\n".join(task.check.output.splitlines()[-40:])
        self.send(
            tid,
            f"The check `{self.settings.check}` failed (exit "
            f"{task.check.exit_code}). Its output ends with:\n{tail}\n"
            "Fix the cause, run the check yourself, then stop.",
            kind="check",
        )

    # -- merge -------------------------------------------------------------------------------
    def forecast(self, tid: str) -> list[str]:
        """Files that would conflict if the task merged now (empty: merges cleanly)."""
        task = self.get(tid)
        try:
            if Path(task.worktree).is_dir():
                commit = self.repo.snapshot(Path(task.worktree)).commit
            else:
                commit = self.repo.rev_parse(task.branch)
            return self.repo.forecast_merge(task.base, commit).conflicts
        except GitError as exc:
            raise SquadronError(str(exc)) from None

    def merge(
        self,
        tid: str,
        strategy: str = "merge",
        message: str | None = None,
        override_check: bool = False,
    ) -> str:
        """Merge the task into its base; returns the base branch's commit afterwards.

        See :meth:`merge_task`, which also says what happened.
        """
        return self.merge_task(tid, strategy, message, override_check).commit

    def merge_task(
        self,
        tid: str,
        strategy: str = "merge",
        message: str | None = None,
        override_check: bool = False,
    ) -> MergeOutcome:
        """Merge the task into its base. A refused merge changes nothing; merging again
        completes a merge that was killed half-way.

        Every precondition (the check gate, conflicts, nothing to merge, a dirty base checkout
        the merge would touch) is judged on a commit made from the worktree's pending work,
        without moving the task branch. Only when all pass does the branch move to that commit
        (compare-and-swap) and the merge land. A task whose work the base already holds is
        marked merged. With a check command configured, a failing, missing or out-of-date
        check blocks the merge unless ``override_check`` (recorded in the task's history).
        """
        if strategy not in STRATEGIES:
            raise UsageError(f"unknown strategy '{strategy}' (use {', '.join(STRATEGIES)})")
        task = self.get(tid)
        if task.stage == Stage.MERGED:
            raise SquadronError(f"{task.id} is already merged")
        try:  # one look at the worktree serves every check below
            worktree, snap, tip = self._merge_candidate(task)
            if self.repo.contains_work(task.base, tip):
                return self._already_merged(task, tip)
        except GitError as exc:
            raise SquadronError(str(exc)) from None
        state = self._check_gate(task, snap, override_check)
        try:
            plan = self.repo.plan_merge(
                tip, task.base, strategy, message or task.title, branch=task.branch
            )
        except MergeConflict as exc:
            raise SquadronError(
                f"merge of {task.id} into {task.base} would conflict in: "
                f"{', '.join(exc.files)}; nothing was changed"
            ) from None
        except GitError as exc:
            raise SquadronError(str(exc)) from None
        return self._land(task, plan, worktree, snap, state)

    def _merge_candidate(self, task: Task) -> tuple[Path | None, Snapshot | None, str]:
        """(worktree, its snapshot, the commit that would merge): the snapshot's commit (the
        pending work on top of the branch, message: the task title), or the branch's tip
        when the worktree is gone."""
        path = Path(task.worktree)
        if not path.is_dir():
            if not self.repo.branch_exists(task.branch):
                raise SquadronError(
                    f"{task.id}: its worktree and its branch {task.branch} are gone; "
                    "nothing to merge"
                )
            return None, None, self.repo.rev_parse(f"refs/heads/{task.branch}")
        on = self.repo.current_branch(path)
        if on != task.branch:
            place = f"on branch {on}" if on else "on a detached HEAD"
            raise SquadronError(
                f"{task.id}'s worktree is {place}, not {task.branch}; check out "
                f"{task.branch} there first (nothing was changed)"
            )
        snap = self.repo.snapshot(path, message=task.title)
        return path, snap, snap.commit

    def _already_merged(self, task: Task, tip: str) -> MergeOutcome:
        """The base holds everything ``tip`` holds: mark the task merged, unless the task
        never changed anything at all (then there is nothing to merge)."""
        start = self._start_of(task, tip)
        if start is not None and self.repo.same_tree(start, tip):
            raise SquadronError(
                f"nothing to merge: {task.id} has not changed anything since it started "
                f"from {task.base}"
            )
        base_commit = self.repo.rev_parse(f"refs/heads/{task.base}")
        now = self.clock()

        def change(t: Task) -> None:
            t.stage = Stage.MERGED
            t.mark("merged", now)
            t.record(now, "merge", f"work already in {t.base}; marked merged")

        self._update(task.id, change)
        return MergeOutcome(
            base_commit, True, f"{task.id}'s work is already in {task.base}; marked merged"
        )

    def _start_of(self, task: Task, tip: str) -> str | None:
        """The commit the task started from: recorded at creation, else (older tasks) the
        branch's first reflog entry, else its merge-base with the base."""
        for candidate in (task.start_commit, self.repo.branch_origin(task.branch)):
            if candidate:
                try:
                    return self.repo.rev_parse(f"{candidate}^{{commit}}")
                except GitError:
                    continue
        try:
            return self.repo.merge_base(f"refs/heads/{task.base}", tip)
        except GitError:
            return None

    def _check_gate(self, task: Task, snap: Snapshot | None, override: bool) -> str:
        """The check's state; SquadronError when it blocks the merge and is not overridden."""
        state = self.check_state(task, snap.tree if snap is not None else None)
        if state in ("missing", "stale", "fail") and not override:
            why = {"missing": "has not been run", "stale": "ran on older code", "fail": "failed"}[
                state
            ]
            raise SquadronError(
                f"the check for {task.id} {why}; run `squadron check "
                f"{task.id}` or merge with --override-check"
            )
        return state

    def _land(
        self, task: Task, plan: MergePlan, worktree: Path | None, snap: Snapshot | None, state: str
    ) -> MergeOutcome:
        """Everything passed: commit the pending work on the task branch (compare-and-swap),
        move the base, then (rebase) the branch; record the merge."""
        note = ""
        try:
            if worktree is not None and snap is not None:
                self.repo.commit_snapshot(worktree, snap)
            fault_point("merge:branch-moved")
            result = self.repo.land(plan)
        except GitError as exc:
            raise SquadronError(str(exc)) from None
        fault_point("merge:base-moved")
        try:
            self.repo.follow_rebase(plan)
        except GitError as exc:
            note = str(exc)
        now = self.clock()

        def change(t: Task) -> None:
            t.stage = Stage.MERGED
            t.mark("merged", now)
            if state in ("missing", "stale", "fail"):
                t.record(now, "override", f"merged with the check {state} (user override)")
            t.record(now, "merge", f"{plan.strategy.value} into {t.base} as {result.commit[:10]}")
            if note:
                t.record(now, "note", note)

        self._update(task.id, change)
        text = f"merged {task.id} into {task.base} ({plan.strategy.value}) as {result.commit[:10]}"
        return MergeOutcome(result.commit, False, text + (f"; {note}" if note else ""))

    # -- pull requests -----------------------------------------------------------------------
    def push(self, tid: str) -> str:
        """Push the task's branch (pending work committed first); returns the remote name."""
        task = self.get(tid)
        remote = self.repo.push_remote(task.base)
        if remote is None:
            raise SquadronError("this repository has no remote to push to (git remote add …)")
        try:
            if Path(task.worktree).is_dir():
                self.repo.commit_pending(Path(task.worktree), task.title)
            self.repo.push(task.branch, remote)
        except GitError as exc:
            raise SquadronError(str(exc)) from None
        now = self.clock()
        self._update(tid, lambda t: t.record(now, "push", f"{t.branch} to {remote}"))
        return remote

    def open_pr(self, tid: str) -> str:
        """Push, then open a pull request with ``gh`` (spec as its body); returns its URL."""
        task = self.get(tid)
        remote = self.push(tid)
        gh = shutil.which("gh")
        if gh is None:
            raise SquadronError(
                f"pushed {task.branch} to {remote}; install the GitHub CLI "
                "(gh) to open the pull request from squadron"
            )
        auth = subprocess.run(
            [gh, "auth", "status"],
            capture_output=True,
            text=True,
            check=False,
            cwd=self.repo.toplevel,
        )
        if auth.returncode != 0:
            raise SquadronError(
                f"pushed {task.branch} to {remote}; `gh auth login` first to open the pull request"
            )
        body = task.spec.prompt or task.title
        if task.spec.acceptance:
            body += f"\n\n## Acceptance criteria\n\n{task.spec.acceptance}"
        made = subprocess.run(
            [
                gh,
                "pr",
                "create",
                "--head",
                task.branch,
                "--base",
                task.base,
                "--title",
                first_line(task.title, 200),
                "--body-file",
                "-",
            ],
            input=body,
            capture_output=True,
            text=True,
            check=False,
            cwd=self.repo.toplevel,
        )
        if made.returncode != 0:
            raise SquadronError(f"gh pr create failed: {first_line(made.stderr, 200)}")
        url = first_line(made.stdout, 300)
        now = self.clock()
        self._update(tid, lambda t: t.record(now, "pr", url))
        return url

    # -- figures -----------------------------------------------------------------------------
    def task_figures(self, tasks: list[Task]) -> list[TaskFigures]:
        return [figures(t) for t in tasks]
