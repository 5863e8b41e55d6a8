"""Creating a task: intent first, then the branch and worktree, then the agent's session.

``new`` records the task (stage ``creating``, every name it will use) before it makes anything,
holding the task's creation lock while it works. A `new` killed at any step therefore leaves a
task that ``ls`` and ``doctor`` show, whose lock is free: :meth:`CreationOps.finish_creation`
(``doctor --fix``) completes it when its worktree was made, or rolls it back when it was not.
Task ids are taken exclusively and never reused (see ``StateStore.create_new``).

``CreationOps`` is a part of ``Engine`` kept in its own module; it relies on the engine's
``repo``, ``settings``, ``tmux``, ``store``, ``clock``, ``key``, ``get``, ``_update`` and
``supervise``.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from squadron.adapters.faults import fault_point
from squadron.adapters.git import GitError
from squadron.adapters.places import default_worktree_root
from squadron.adapters.tmux import TmuxError
from squadron.core.approve import check_policy
from squadron.core.errors import SquadronError, UsageError
from squadron.core.naming import branch_name, session_name, slugify
from squadron.core.presets import Preset, match_preset
from squadron.core.task import Outgoing, Spec, Stage, Task
from squadron.engine import hooks

if TYPE_CHECKING:
    from squadron.adapters.config import Settings
    from squadron.adapters.git import GitRepo
    from squadron.adapters.store import StateStore
    from squadron.adapters.tmux import TmuxServer

# Starts the agent's argv (passed as positional parameters, never spliced into this text). A
# program that cannot be found gets a message that stays on the pane (tmux can miss the output
# of a process that dies at once) before the pane dies with the shell's status 127.
LAUNCH = (
    'command -v "$1" >/dev/null 2>&1 || '
    '{ printf "squadron: cannot start the agent: %s: command not found\\n" "$1" >&2; '
    'sleep 0.5; exit 127; }; exec "$@"'
)


class CreationOps:
    repo: GitRepo
    settings: Settings
    tmux: TmuxServer
    store: StateStore
    clock: Callable[[], float]
    key: str

    def get(self, tid: str) -> Task:
        raise NotImplementedError

    def _update(self, tid: str, change: Callable[[Task], None]) -> Task:
        raise NotImplementedError

    def supervise(self) -> str:
        raise NotImplementedError

    # -- what to run ------------------------------------------------------------------------
    @staticmethod
    def command_argv(command: str | None) -> list[str] | None:
        """``--command`` split like a shell would (it is never run by one); None if absent."""
        if not command:
            return None
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise UsageError(f"cannot parse --command: {exc}") from None
        if not argv:
            raise UsageError("the agent command is empty")
        return argv

    def agent_argv(
        self, preset: Preset, command: list[str] | None, prompt: str, task: str
    ) -> list[str]:
        """The agent's command line: command, per-task hook options, then the prompt if the
        preset passes it as an argument."""
        if command:
            argv = list(command)
        elif preset.command:
            argv = list(preset.command)
        else:
            argv = [os.environ.get("SHELL") or "/bin/sh"]
        argv += hooks.hook_args(preset, self.store, task)
        if prompt and preset.prompt_mode == "arg":
            argv.append(prompt)
        return argv

    def _pick_preset(self, agent: str | None, command: list[str] | None) -> Preset:
        """The named preset; for ``--command`` without an agent (or with ``shell``), the preset
        of the program the command runs (``/opt/bin/claude --model x`` reads as claude)."""
        if command and agent in (None, "shell"):
            matched = match_preset(self.settings.agents, "", command)
            return matched or self.settings.preset("shell")
        return self.settings.preset(agent or self.settings.default_agent)

    def _saved_ids(self) -> int:
        """The highest task number named by a saved ref (refs/squadron/trash/t7…): such ids
        stay taken even when the task files that used them are gone."""
        best = 0
        for ref in self.repo.ref_names("refs/squadron/"):
            for part in ref.split("/"):
                if part[:1] == "t" and part[1:].isdigit():
                    best = max(best, int(part[1:]))
        return best

    # -- creating ---------------------------------------------------------------------------
    def new_task(
        self,
        title: str,
        prompt: str = "",
        agent: str | None = None,
        base: str | None = None,
        acceptance: str = "",
        command: str | None = None,
        auto_approve: str = "",
    ) -> Task:
        """Record the task, then make its branch, worktree and tmux session; the supervisor
        types the prompt. Everything that can be refused is refused before anything is made."""
        if not title.strip():
            raise UsageError("a task needs a title")
        command_argv = self.command_argv(command)
        preset = self._pick_preset(agent, command_argv)
        if auto_approve:
            try:
                check_policy(auto_approve)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        base = base or self.repo.current_branch()
        if not base:
            raise UsageError("HEAD is detached; pass --base BRANCH")
        if not self.repo.branch_exists(base):
            raise UsageError(f"base branch '{base}' does not exist")
        try:
            start = self.repo.rev_parse(f"refs/heads/{base}")
            floor = self._saved_ids()
        except GitError as exc:
            raise SquadronError(str(exc)) from None
        root = Path(self.settings.worktree_root or default_worktree_root(self.repo.toplevel))
        now = self.clock()

        def make(tid: str) -> Task:
            wanted = branch_name(title, tid, self.settings.branch_prefix)
            task = Task(
                id=tid,
                spec=Spec(title=title, prompt=prompt, acceptance=acceptance),
                agent=preset.name,
                base=base,
                branch=self.repo.unique_branch(wanted),
                worktree=str(root / f"{tid}-{slugify(title, fallback=tid)[:24]}"),
                session=session_name(self.key, tid),
                created_at=now,
                status_since=now,
                stage=Stage.CREATING,
                command=self.agent_argv(preset, command_argv, prompt, tid),
                start_commit=start,
                prompt_delivered=not prompt or preset.prompt_mode == "arg",
                auto_approve=auto_approve,
            )
            if not task.prompt_delivered:
                task.enqueue(Outgoing(0, "prompt", prompt, created_at=now))
            task.record(now, "created", f"agent {preset.name} on {task.branch} from {base}")
            return task

        task, lock = self.store.create_new(make, floor)
        try:
            fault_point("new:recorded")
            self._make(task, preset)
        finally:
            lock.close()
        self.supervise()
        return task

    def _make(self, task: Task, preset: Preset) -> None:
        """Worktree, then session, then the task is running; on a refusal, undo and forget."""
        if Path(task.worktree).exists():
            self._forget(task)
            raise SquadronError(f"cannot create {task.worktree}: something is already there")
        try:
            self.repo.add_worktree(task.worktree, task.branch, task.start_commit)
        except GitError as exc:
            self._forget(task)
            raise SquadronError(str(exc)) from None
        fault_point("new:worktree-added")
        try:
            self._start_session(task, preset)
        except TmuxError as exc:
            self.repo.remove_worktree(task.worktree)
            self.repo.delete_branch(task.branch)
            self._forget(task)
            raise SquadronError(f"cannot start the agent: {exc}") from None
        fault_point("new:session-started")
        self._running(task.id)

    def _start_session(self, task: Task, preset: Preset) -> None:
        self.store.events_dir.mkdir(parents=True, exist_ok=True)
        env = {"SQUADRON_TASK": task.id, "SQUADRON_EVENTS": str(self.store.events_path(task.id))}
        env.update(dict(preset.env))
        argv = ["/bin/sh", "-c", LAUNCH, "squadron-agent", *task.command]
        self.tmux.new_session(task.session, task.worktree, argv, env)

    def _running(self, tid: str) -> None:
        def change(t: Task) -> None:
            if t.stage == Stage.CREATING:
                t.stage = Stage.RUNNING

        self._update(tid, change)

    def _forget(self, task: Task) -> None:
        """A refused creation leaves no task behind (its id stays taken)."""
        self.store.delete(task.id)

    # -- after a killed `new` -----------------------------------------------------------------
    def interrupted(self, task: Task) -> bool:
        """A task a killed `new` left half-made (still creating, nobody creating it)."""
        return task.stage == Stage.CREATING and not self.store.being_created(task.id)

    def finish_creation(self, tid: str) -> str:
        """Complete a task a killed `new` left half-made, or roll it back when its worktree was
        never made. Returns one line saying which."""
        task = self.get(tid)
        if task.stage != Stage.CREATING:
            return f"{task.id} is not half-made"
        if self.store.being_created(task.id):
            raise SquadronError(f"{task.id} is being created by another squadron process")
        with self.store.creating(task.id):
            try:
                entry = self.repo.worktree_entry(task.worktree)
                if entry is None or entry.locked:
                    return self._roll_back(task)
                if not self.tmux.has_session(task.session):
                    self._start_session(task, self._preset_of(task))
            except (GitError, TmuxError) as exc:
                raise SquadronError(f"{task.id}: {exc}") from None
            self._running(task.id)
        now = self.clock()
        self._update(
            tid, lambda t: t.record(now, "note", "creation finished after `new` was killed")
        )
        self.supervise()
        return f"finished {task.id} (its `new` was killed after making the worktree)"

    def _preset_of(self, task: Task) -> Preset:
        return self.settings.agents.get(task.agent) or self.settings.preset("shell")

    def _roll_back(self, task: Task) -> str:
        """No usable worktree: nothing ever ran. Remove what `git worktree add` left (its
        files and a branch that never moved) and forget the task."""
        entry = self.repo.worktree_entry(task.worktree)
        if entry is not None or Path(task.worktree).exists():
            self.repo.remove_worktree(task.worktree, force_locked=True, unregistered=True)
        tip = self.repo.ref_commit(f"refs/heads/{task.branch}")
        if tip is not None and tip == task.start_commit:
            self.repo.delete_branch(task.branch, expected=tip)
        self._forget(task)
        return f"rolled back {task.id} (its `new` was killed before the worktree was made)"
