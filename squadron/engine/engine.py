"""The engine: squadron's use cases over git, tmux and the state store. No Textual here.

Every method is synchronous and may block on git or tmux; the UI calls them from workers, the
CLI calls them directly. Errors reach callers as ``SquadronError`` (one line for the user).
"""

from __future__ import annotations

import errno
import os
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from squadron.adapters.config import Settings, load_settings
from squadron.adapters.git import GitError, GitRepo, NotARepoError
from squadron.adapters.places import state_home
from squadron.adapters.store import StateStore
from squadron.adapters.tmux import (
    PaneInfo,
    TmuxError,
    TmuxServer,
    config_text,
    default_socket,
    socket_problem,
)
from squadron.core.approve import check_policy
from squadron.core.detector import PaneSnapshot
from squadron.core.errors import SquadronError, UsageError
from squadron.core.naming import repo_key
from squadron.core.presets import Preset
from squadron.core.status import Status, StatusReading
from squadron.core.task import Mode, Outgoing, Stage, Task
from squadron.engine.creation import CreationOps
from squadron.engine.floors import check_floors
from squadron.engine.lifecycle import LifecycleOps
from squadron.engine.repair import repair_links
from squadron.engine.review import ReviewOps

# What `send --key` accepts: tmux key names (Enter, Escape, C-c, M-x, Down, F1) or one
# printable character.
KEY_NAME = re.compile(r"(?:[CMS]-)*(?:[A-Za-z][A-Za-z0-9]{0,15}|[!-~])")


def pane_snapshot(pane: PaneInfo, screen: str) -> PaneSnapshot:
    """What the detector reads of a pane; a signal death shows as exit code 128 + signal."""
    code = pane.dead_status
    if code is None and pane.dead_signal:
        code = 128 + pane.dead_signal
    return PaneSnapshot(
        screen=screen,
        title=pane.title,
        current_command=pane.current_command,
        dead=pane.dead,
        exit_status=code,
    )


class Engine(CreationOps, ReviewOps, LifecycleOps):
    def __init__(
        self,
        repo: GitRepo,
        settings: Settings,
        tmux: TmuxServer,
        store: StateStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.repo = repo
        self.settings = settings
        self.tmux = tmux
        self.store = store
        self.clock = clock
        self.key = repo_key(repo.name, str(repo.common_dir))
        self.problems: list[str] = []
        self.supervised = True  # False: nothing starts a supervisor (tests of the parts)

    @classmethod
    def open(cls, path: Path | None = None, check: bool = True) -> Engine:
        """The engine for the repository containing ``path`` (default: the current folder).

        Checks the environment before anything is written: git and tmux, the repository,
        the config files, ``SQUADRON_TMUX_SOCKET`` and the state folder for the tmux config.
        """
        if check:
            check_floors()
        try:
            repo = GitRepo.discover(Path(path or os.getcwd()))
        except NotARepoError as exc:
            raise UsageError(str(exc)) from None
        except FileNotFoundError:  # os.getcwd(): the folder was removed under our feet
            raise UsageError("the current folder no longer exists") from None
        settings = load_settings(repo.toplevel)
        socket = default_socket()
        problem = socket_problem(socket)
        if problem:
            raise UsageError(f"SQUADRON_TMUX_SOCKET {socket!r} cannot be used: {problem}")
        config = state_home() / f"tmux-{socket}.conf"
        tmux = TmuxServer(socket, config)
        wanted = config_text(settings.detach_key).encode("utf-8")
        try:
            before = config.read_bytes() if config.is_file() else None
            if before != wanted:
                tmux.write_config(settings.detach_key)
        except OSError as exc:
            # A full disk is a resource problem (1); a state folder that is a file, read-only
            # or not ours is the environment's (2).
            kind = SquadronError if exc.errno in (errno.ENOSPC, errno.EDQUOT) else UsageError
            env = os.environ.get("XDG_STATE_HOME")
            raise kind(
                f"cannot write squadron's tmux config {config}: {exc.strerror or exc}"
                + (f" (XDG_STATE_HOME is {env})" if env else "")
            ) from None
        if before is not None and before != wanted:
            tmux.source_config()  # e.g. a new detach_key, for a server started earlier
        return cls(repo, settings, tmux, StateStore(repo.common_dir))

    # -- reading -----------------------------------------------------------------------------
    def tasks(self, include_archived: bool = True) -> list[Task]:
        result = self.store.load_all()
        self.problems.extend(result.problems)
        return [t for t in result.tasks if include_archived or t.stage != Stage.ARCHIVED]

    def get(self, tid: str) -> Task:
        task = self.store.load(tid.strip())
        if task is None:
            known = ", ".join(t.id for t in self.tasks()) or "none"
            raise UsageError(f"unknown task '{tid}' (tasks: {known})")
        if not Path(task.worktree).is_dir() or self.repo.worktree_link_broken(task.worktree):
            self.problems.extend(repair_links(self, [task]))  # the repository moved
            task = self.store.load(task.id) or task
        return task

    def default_policy(self) -> str:
        """The configured default auto-approve policy."""
        return self.settings.auto_approve

    def preset_for(self, task: Task) -> Preset:
        return self.settings.agents.get(task.agent) or self.settings.preset("shell")

    def _update(self, tid: str, change: Callable[[Task], None]) -> Task:
        task = self.store.update(tid, change)
        if task is None:
            raise UsageError(f"unknown task '{tid}'")
        return task

    # -- the agent's pane ---------------------------------------------------------------------
    def snapshot(self, task: Task) -> PaneSnapshot | None:
        """The pane as the detector sees it, or ``None`` when the session is gone."""
        pane = next((p for p in self.tmux.list_panes() if p.session == task.session), None)
        if pane is None:
            return None
        screen = self.capture(pane)
        return pane_snapshot(pane, screen)

    def capture(self, pane: PaneInfo) -> str:
        """The pane's screen; for a dead pane also the lines tmux scrolled away when it died."""
        if not pane.dead:
            return self.tmux.capture(pane.pane_id)
        return self.tmux.capture(pane.pane_id, start=-pane.height).strip("\n") + "\n"

    # -- asking the supervisor to type -------------------------------------------------------
    def send(
        self,
        tid: str,
        text: str = "",
        force: bool = False,
        keys: Sequence[str] = (),
        enter: bool = False,
        kind: str = "message",
    ) -> Outgoing:
        """Ask the supervisor to type ``text`` into the agent as a new instruction (then
        Enter), or to press ``keys`` (then Enter if ``enter``). Recorded before anything is
        typed; the supervisor types text only into a steady ready prompt (see
        :mod:`squadron.core.delivery`) and presses keys at once. Returns the outbox entry:
        :meth:`wait_sent` follows it."""
        keys = list(keys) + (["Enter"] if enter else [])
        if not text.strip() and not keys:
            raise UsageError("nothing to send: the message is empty")
        if text and keys:
            raise UsageError("send text or keys, not both")
        for key in keys:
            if not KEY_NAME.fullmatch(key):
                raise UsageError(f"not a key name: {key!r} (e.g. Enter, Escape, C-c, Down, y)")
        task = self.get(tid)
        if task.mode == Mode.CONDUCTOR and not force:
            raise SquadronError(
                f"{task.id} is in conductor mode: squadron does not type into "
                "it (send it back first, or --force)"
            )
        if task.status == Status.LOST or not self.tmux.has_session(task.session):
            raise SquadronError(f"{task.id}: its tmux session is gone (status lost)")
        if task.status == Status.EXITED:
            raise SquadronError(f"{task.id}: the agent has exited")
        item = Outgoing(0, "keys" if keys else kind, text, keys, False, force)
        item.created_at = self.clock()

        def change(t: Task) -> None:
            t.enqueue(item)

        self._update(tid, change)
        self.supervise()
        return item

    def wait_sent(self, tid: str, item_id: int, timeout: float) -> Outgoing | None:
        """The outbox entry once it is sent or failed, or as it stands after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            task = self.store.load(tid)
            item = task.outgoing(item_id) if task is not None else None
            if item is None or item.done or time.monotonic() >= deadline:
                return item
            time.sleep(0.05)

    def supervise(self) -> str:
        """Make sure the repository's supervisor runs (it types, reads statuses, approves,
        checks and alerts). Returns "" or one line saying what was done."""
        if not self.supervised:
            return ""
        from squadron.engine import supervision

        try:
            return supervision.ensure(self)
        except TmuxError as exc:
            raise SquadronError(str(exc)) from None

    # -- auto-approve ------------------------------------------------------------------------
    def approve_policy(self, task: Task) -> str:
        return task.auto_approve or self.settings.auto_approve

    def set_auto_approve(self, tid: str, policy: str) -> Task:
        try:
            check_policy(policy)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        now = self.clock()

        def change(t: Task) -> None:
            t.auto_approve = policy
            t.record(now, "policy", f"auto-approve {policy}")

        task = self._update(tid, change)
        self.supervise()
        return task

    # -- modes -------------------------------------------------------------------------------
    def set_mode(self, tid: str, mode: Mode, note: str = "") -> Task:
        now = self.clock()

        def change(t: Task) -> None:
            if t.mode != mode:
                t.mode = mode
                t.record(now, "mode", mode.value)

        task = self._update(tid, change)
        if mode == Mode.UNATTENDED and note.strip():
            self.send(tid, note, kind="note")
        elif mode == Mode.UNATTENDED:
            self.supervise()  # pending prompts and messages go on
        return task

    def attach_argv(self, tid: str) -> list[str]:
        """Record conductor mode and return the argv that attaches a terminal to the pane."""
        task = self.get(tid)
        if not self.tmux.has_session(task.session):
            raise SquadronError(f"{task.id}: its tmux session is gone (status lost)")
        self.set_mode(tid, Mode.CONDUCTOR)
        return self.tmux.attach_argv(task.session)

    # -- status (recorded by the supervisor) ---------------------------------------------------
    def record_status(
        self, tid: str, reading: StatusReading, screen: str, question: str = ""
    ) -> Task | None:
        """Store a status reading; history gets an entry only when the status changes."""
        now = self.clock()

        def change(t: Task) -> None:
            t.last_screen = screen
            t.question = question
            t.problem = ""
            if (t.status, t.status_unsure, t.provenance) != (
                reading.status,
                reading.unsure,
                reading.provenance,
            ):
                if t.status != reading.status:
                    t.status_since = now
                    t.record(now, "status", f"{reading.label} ({reading.provenance.value})")
                t.status = reading.status
                t.status_unsure = reading.unsure
                t.provenance = reading.provenance
            if reading.exit_code is not None:
                t.exit_code = reading.exit_code
            if reading.status == Status.IDLE and (t.added or t.removed):
                t.mark("review_ready", now)

        return self.store.update(tid, change)

    def stats(self, task: Task) -> tuple[int, int]:
        """``(+added, -removed)`` of everything the task changed against its base."""
        if not Path(task.worktree).is_dir():
            return task.added, task.removed
        try:
            files = self.repo.numstat(Path(task.worktree), task.base)
        except GitError:
            return task.added, task.removed
        added = sum(f.added for f in files)
        removed = sum(f.removed for f in files)
        if (added, removed) != (task.added, task.removed):
            now = self.clock()

            def change(t: Task) -> None:
                t.added, t.removed = added, removed
                if added or removed:
                    t.mark("first_change", now)
                    if t.status == Status.IDLE:
                        t.mark("review_ready", now)

            self.store.update(task.id, change)
        return added, removed
