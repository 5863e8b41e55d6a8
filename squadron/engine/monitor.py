"""The status monitor: one thread that keeps every task's status (and one preview) current.

Each tick costs one ``list-panes -a`` call for all tasks. Only panes whose cheap fingerprint
(activity time, history size, cursor, title, process) moved are captured, all in one batched
call. Ticks are fast (0.25 s) while anything is busy and slow (1 s) when every task is quiet;
hook event files are checked with a ``stat`` per task, and a watchfiles thread wakes the monitor
as soon as another squadron process adds, changes or removes a task.

Callers get each tick that changed something through a callback run on the monitor thread:
keep it short and thread-safe (the TUI posts a message; never ``call_from_thread``, which hangs
while the app is suspended for a take-over).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from squadron.adapters.tmux import PaneInfo, TmuxError
from squadron.core.approve import AutoApprover, question_line
from squadron.core.detector import PaneSnapshot, StatusTracker, is_ready
from squadron.core.hook_events import status_of
from squadron.core.presets import match_preset
from squadron.core.status import Status, StatusReading
from squadron.core.task import Mode, Stage, Task
from squadron.engine.engine import Engine, pane_snapshot

FAST = 0.25
SLOW = 1.0
QUIET = 2.0  # once nothing has changed for QUIET_AFTER seconds
QUIET_AFTER = 10.0
BUSY_WINDOW = 3.0  # seconds after a change during which ticks stay fast


@dataclass(frozen=True)
class Tick:
    """What one tick learnt: the current tasks when any changed, the focused task's screen."""

    tasks: list[Task] | None = None
    changed: tuple[str, ...] = ()  # ids whose status changed
    preview: tuple[str, str] | None = None  # (task id, ANSI screen with history)
    busy: bool = False


@dataclass
class _Watch:
    tracker: StatusTracker
    approver: AutoApprover = field(default_factory=AutoApprover)
    key: tuple[object, ...] = ()
    snap: PaneSnapshot | None = None
    changed_at: float = 0.0
    events_offset: int = 0
    reading: StatusReading | None = None


@dataclass
class _TickState:
    changed: list[str] = field(default_factory=list)
    tasks_changed: bool = False
    preview: tuple[str, str] | None = None
    busy: bool = False


def _fingerprint(p: PaneInfo) -> tuple[object, ...]:
    return (
        p.activity,
        p.history_size,
        p.cursor_x,
        p.cursor_y,
        p.title,
        p.dead,
        p.current_command,
        p.pane_id,
    )


class StatusMonitor:
    def __init__(
        self,
        engine: Engine,
        on_update: Callable[[Tick], None] | None = None,
        fast: float = FAST,
        slow: float = SLOW,
        preview_history: int = 500,
    ) -> None:
        self.engine = engine
        self.on_update = on_update
        self.fast, self.slow = fast, slow
        self.focus: str | None = None
        self._watches: dict[str, _Watch] = {}
        self._tasks: dict[str, Task] = {}
        self._signature: object = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._preview_key: tuple[object, ...] = ()
        self.preview_history = preview_history
        self.ticks = 0
        self._watcher: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="squadron-monitor", daemon=True)
            self._thread.start()
        if self._watcher is None:
            self._watcher = threading.Thread(
                target=self._watch_state, name="squadron-watch", daemon=True
            )
            self._watcher.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in (self._thread, self._watcher):
            if thread is not None:
                thread.join(timeout=5)
        self._thread = self._watcher = None

    def _watch_state(self) -> None:
        """Wake the monitor when any squadron process writes task state (no polling)."""
        from watchfiles import watch

        folder = self.engine.store.tasks_dir
        folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):
            # watch_filter=None: the default filter ignores every path inside ".git",
            # which is where task state lives. step=100: notice a change within ~0.1 s.
            for _changes in watch(
                folder,
                watch_filter=None,
                stop_event=self._stop,
                debounce=50,
                step=100,
                rust_timeout=1000,
                yield_on_timeout=False,
            ):
                self._wake.set()

    def poke(self) -> None:
        """Tick now (after typing into an agent, or when the user changes the focus)."""
        self._preview_key = ()
        self._wake.set()

    def _run(self) -> None:
        quiet_since = time.monotonic()
        while not self._stop.is_set():
            busy = True
            try:
                tick = self.tick()
                busy = tick.busy
                if (tick.tasks is not None or tick.preview) and self.on_update is not None:
                    self.on_update(tick)
            except Exception as exc:  # the monitor must outlive one bad tick
                self.engine.problems.append(f"status monitor: {type(exc).__name__}: {exc}")
            now = time.monotonic()
            if busy:
                quiet_since = now
            pause = self.fast if busy else self.slow
            if not busy and now - quiet_since > QUIET_AFTER:
                pause = QUIET
            if self._wake.wait(pause):
                quiet_since = time.monotonic()  # poked: someone expects news soon
            self._wake.clear()

    # -- one tick ----------------------------------------------------------------------------
    def _reload_tasks(self) -> bool:
        sig = self.engine.store.signature()
        if sig == self._signature:
            return False
        self._signature = sig
        tasks = self.engine.tasks()
        self._tasks = {t.id: t for t in tasks if t.stage != Stage.ARCHIVED}
        for tid in list(self._watches):
            if tid not in self._tasks:
                del self._watches[tid]
        return True

    def _watch(self, task: Task) -> _Watch:
        watch = self._watches.get(task.id)
        if watch is None:
            watch = _Watch(StatusTracker(self.engine.preset_for(task)))
            path = self.engine.store.events_path(task.id)
            with contextlib.suppress(OSError):
                watch.events_offset = path.stat().st_size
            self._watches[task.id] = watch
        return watch

    def _follow_program(self, task: Task, watch: _Watch, pane: PaneInfo) -> None:
        """A shell task running a known agent (``claude`` typed at the prompt) is read with
        that agent's preset while it runs, and with the shell's again once it exits."""
        own = self.engine.preset_for(task)
        if not own.activity_only:
            return
        found = match_preset(self.engine.settings.agents, pane.current_command, ())
        wanted = found if found is not None and not found.activity_only else own
        if watch.tracker.preset.name != wanted.name:
            watch.tracker = StatusTracker(wanted)

    def _read_events(self, task: Task, watch: _Watch, now: float) -> bool:
        path = self.engine.store.events_path(task.id)
        try:
            size = path.stat().st_size
        except OSError:
            return False
        if size <= watch.events_offset:
            return False
        with path.open("rb") as fh:
            fh.seek(watch.events_offset)
            data = fh.read(size - watch.events_offset)
        watch.events_offset = size
        seen = False
        for line in data.decode("utf-8", "replace").splitlines():
            status = status_of(line)
            if status is not None:
                watch.tracker.hook(status, now)
                seen = True
        return seen

    def tick(self) -> Tick:
        """Read every pane once, capture the changed ones, update statuses."""
        self.ticks += 1
        result = _TickState(tasks_changed=self._reload_tasks())
        if self._tasks:
            self._tick(result)
        return Tick(
            tasks=list(self._tasks.values()) if result.tasks_changed or result.changed else None,
            changed=tuple(result.changed),
            preview=result.preview,
            busy=result.busy,
        )

    def _tick(self, result: _TickState) -> None:
        now = time.time()
        try:
            panes = {p.session: p for p in self.engine.tmux.list_panes()}
        except TmuxError:
            panes = {}
        to_capture: dict[str, str] = {}
        dead: dict[str, PaneInfo] = {}
        for task in self._tasks.values():
            watch = self._watch(task)
            pane = panes.get(task.session)
            if pane is None:
                continue
            key = _fingerprint(pane)
            if key != watch.key or watch.snap is None:
                to_capture[task.id] = pane.pane_id
                if pane.dead:
                    dead[pane.pane_id] = pane
        live = [pid for pid in to_capture.values() if pid not in dead]
        screens = self.engine.tmux.capture_many(live) if live else {}
        for pane_id, pane in dead.items():
            screens[pane_id] = self.engine.capture(pane)
        for task in list(self._tasks.values()):
            watch = self._watch(task)
            pane = panes.get(task.session)
            if pane is not None:
                self._follow_program(task, watch, pane)
            hooked = self._read_events(task, watch, now)
            changed = False
            if pane is None:
                snap = None
            elif task.id in to_capture:
                screen = screens.get(pane.pane_id, "")
                snap = pane_snapshot(pane, screen)
                changed = watch.snap is not None and (
                    screen != watch.snap.screen or pane.title != watch.snap.title
                )
                if watch.snap is None and screen.strip():
                    changed = True
                watch.key = _fingerprint(pane)
                watch.snap = snap
            else:
                snap = watch.snap
            if changed or hooked:
                watch.changed_at = now
            reading = watch.tracker.observe(snap, changed, now)
            if now - watch.changed_at < BUSY_WINDOW or reading.status in (
                Status.STARTING,
                Status.WORKING,
            ):
                result.busy = True
            self._after_reading(task, watch, reading, snap, result)
        self._preview(panes, result)

    def _after_reading(
        self,
        task: Task,
        watch: _Watch,
        reading: StatusReading,
        snap: PaneSnapshot | None,
        result: _TickState,
    ) -> None:
        if reading.status == Status.LOST and task.stage == Stage.MERGED:
            return
        if reading != watch.reading:
            stored_already = watch.reading is None and (
                task.status,
                task.provenance,
                task.status_unsure,
            ) == (reading.status, reading.provenance, reading.unsure)
            watch.reading = reading
            if not stored_already:  # a first reading that only confirms the file: no write
                screen = snap.screen if snap is not None else task.last_screen
                stored = self.engine.record_status(task.id, reading, screen)
                if stored is not None:
                    self._tasks[task.id] = stored
                result.changed.append(task.id)
        if snap is None:
            return
        self._maybe_approve(self._tasks.get(task.id, task), watch, reading, snap, result)
        self._maybe_deliver(self._tasks.get(task.id, task), reading, snap, result)

    def _maybe_deliver(
        self, task: Task, reading: StatusReading, snap: PaneSnapshot, result: _TickState
    ) -> None:
        """Type a task's first prompt once its agent is ready (tasks made with --no-wait, or
        whose agent asked a question at start)."""
        if snap.dead or task.prompt_delivered or task.mode != Mode.UNATTENDED:
            return
        preset = self.engine.preset_for(task)
        if reading.status != Status.IDLE and not (preset.ready and is_ready(preset, snap)):
            return
        if self.engine.deliver_prompt(task.id, known_ready=True).delivered:
            refreshed = self.engine.store.load(task.id)
            if refreshed is not None:
                self._tasks[task.id] = refreshed
                result.tasks_changed = True

    def _maybe_approve(
        self,
        task: Task,
        watch: _Watch,
        reading: StatusReading,
        snap: PaneSnapshot,
        result: _TickState,
    ) -> None:
        """Answer a permission question when the task's auto-approve policy covers it."""
        preset = self.engine.preset_for(task)
        policy = self.engine.approve_policy(task)
        unattended = task.mode == Mode.UNATTENDED
        if not watch.approver.consider(preset, policy, unattended, reading, snap, time.monotonic()):
            return
        if self.engine.answer_question(task.id, question_line(snap.screen)):
            result.tasks_changed = True
            refreshed = self.engine.store.load(task.id)
            if refreshed is not None:
                self._tasks[task.id] = refreshed

    def _preview(self, panes: dict[str, PaneInfo], result: _TickState) -> None:
        task = self._tasks.get(self.focus or "")
        if task is None:
            return
        pane = panes.get(task.session)
        if pane is None:
            return
        key = _fingerprint(pane)
        if key == self._preview_key:
            return
        self._preview_key = key
        try:
            screen = self.engine.tmux.capture(pane.pane_id, ansi=True, start=-self.preview_history)
        except TmuxError:
            return
        result.preview = (task.id, screen)
