"""The supervisor's eyes: every task's status, read as cheaply as it can be and never missed.

Reading a pane costs little through the tmux control connection, but classifying its screen
costs ~0.1 ms, so each pane is read on its own schedule:

- A **scan** lists every pane's facts in one call (activity time, cursor, title, process)
  every 0.5 s while anything is busy, every 1 s when all is quiet, every 2 s after 10 quiet
  seconds. A pane whose output may have changed since its last read is read at once: tmux
  gives its last output time to the second, so a pane is read again while that time is not
  older than the second of its last read. No frame is missed, even when an agent redraws in
  place with the same cursor and title in the same second.
- A **hot** pane (output in the last 2 s, a delivery or an answer under way, a terminal
  attached to it, or a status not settled) is read every 0.1 s, or every 0.2 s while it
  steadily shows working. A quiet pane nobody is attached to only changes when squadron types
  into it (which makes it hot at once) or when its agent acts on its own (seen at the next
  scan). An idle screen read once
  is read again 40 ms later to confirm it (see ``StatusTracker``): a recognised idle or
  waiting screen is reported within a fraction of a second.
- Hook events are read when the supervisor's watcher sees the events folder change, and at
  every scan.

One task's failure (bad bytes, a dead pane, a pattern that raises) is caught, recorded on that
task as its ``problem``, and the others carry on.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from squadron.adapters.store import StateError
from squadron.adapters.tmux import PaneInfo, TmuxError
from squadron.core.approve import AutoApprover
from squadron.core.delivery import question_text
from squadron.core.detector import PaneSnapshot, StatusTracker
from squadron.core.hook_events import status_of
from squadron.core.presets import match_preset
from squadron.core.status import Status, StatusReading
from squadron.core.task import Stage, Task
from squadron.engine.engine import Engine, pane_snapshot

FAST = 0.1  # a hot pane's read interval
STEADY = 0.2  # a hot pane that steadily shows working
CONFIRM = 0.04  # the second read of an idle-looking screen
BATCH = 0.03  # panes due this soon are read with the ones due now
HOT = 2.0  # output this recent makes a pane hot
SCAN_BUSY, SCAN_SLOW, SCAN_QUIET = 0.5, 1.0, 2.0
QUIET_AFTER = 10.0
RELOAD_EVERY = 10.0  # task files are re-listed at least this often (besides the watcher)


@dataclass
class _Watch:
    tracker: StatusTracker
    approver: AutoApprover = field(default_factory=AutoApprover)
    info: PaneInfo | None = None
    snap: PaneSnapshot | None = None
    read_wall: float = 0.0  # wall clock of the last read (compared with tmux's activity)
    due: float = math.inf  # monotonic time of the next read (inf: when a scan says so)
    last_output: float = -math.inf  # monotonic time the screen last changed
    events_offset: int = 0
    reading: StatusReading | None = None
    seeded: bool = False
    scanned: bool = False  # a scan has looked for its pane since the task appeared
    read_tick: int = -1  # the tick that last read the pane
    changed: bool = False  # that read found a new screen or title


@dataclass(frozen=True)
class Observation:
    """One task after a tick: as recorded, what its pane showed, how squadron reads it."""

    task: Task
    snap: PaneSnapshot | None
    reading: StatusReading
    changed: bool  # the recorded status changed in this tick
    tracker: StatusTracker
    approver: AutoApprover


def _fingerprint(p: PaneInfo) -> tuple[object, ...]:
    return (
        p.history_size,
        p.cursor_x,
        p.cursor_y,
        p.title,
        p.dead,
        p.dead_status,  # tmux may collect a dead pane's exit status a moment after it died
        p.dead_signal,
        p.current_command,
        p.pane_id,
    )


class StatusMonitor:
    """Reads panes, keeps one tracker per task, records statuses. Not thread-safe: one
    thread (the supervisor's loop) calls :meth:`tick`."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.clock, self.wall = clock, wall
        self.tasks: dict[str, Task] = {}
        self._mtimes: dict[str, int] = {}
        self._watches: dict[str, _Watch] = {}
        self._scan_due = 0.0
        self._scan_soon = False
        self._reload_due = 0.0
        self._quiet_since = clock()
        self.hot: set[str] = set()  # tasks the supervisor wants read fast (deliveries)
        self.ticks = 0
        self.reads = 0
        self.problems: list[str] = []  # unreadable task files met while reloading

    # -- tasks ------------------------------------------------------------------------------
    def reload(self) -> bool:
        """Re-read the task files that changed since the last look; True if any did."""
        self._reload_due = self.clock() + RELOAD_EVERY
        mtimes = self.engine.store.mtimes()
        changed = False
        for tid in set(self._mtimes) - set(mtimes):
            self.tasks.pop(tid, None)
            self._watches.pop(tid, None)
            changed = True
        for tid, mtime in mtimes.items():
            if self._mtimes.get(tid) == mtime:
                continue
            try:
                task = self.engine.store.read(tid, self.problems)
            except OSError as exc:
                self.problems.append(str(exc))
                continue
            if task is None or task.stage in (Stage.ARCHIVED, Stage.CREATING):
                self.tasks.pop(tid, None)
                self._watches.pop(tid, None)
            else:
                self.tasks[tid] = task
            changed = True
        self._mtimes = mtimes
        return changed

    def _watch(self, task: Task) -> _Watch:
        watch = self._watches.get(task.id)
        if watch is None:
            watch = _Watch(StatusTracker(self.engine.preset_for(task)))
            self._watches[task.id] = watch
            self._seed_hooks(task, watch)
        return watch

    def _seed_hooks(self, task: Task, watch: _Watch) -> None:
        """Follow the events file from its end; its last event still counts (a restarted
        supervisor must not forget that the agent said it was done)."""
        path = self.engine.store.events_path(task.id)
        try:
            stat = path.stat()
            with path.open("rb") as fh:
                fh.seek(max(0, stat.st_size - 4096))
                lines = fh.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return
        watch.events_offset = stat.st_size
        for line in reversed(lines):
            status = status_of(line)
            if status is not None:
                watch.tracker.hook(status, stat.st_mtime)
                break

    # -- scheduling -------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return any(
            t.status in (Status.STARTING, Status.WORKING) for t in self.tasks.values()
        ) or any(self._is_hot(tid, self.clock()) for tid in self._watches)

    def _is_hot(self, tid: str, now: float) -> bool:
        watch = self._watches.get(tid)
        if watch is None:
            return False
        return (
            tid in self.hot
            or (watch.info is not None and watch.info.attached > 0)  # a person types there
            or now - watch.last_output < HOT
            or watch.tracker.idle_pending
            or watch.tracker.current.status is Status.STARTING
        )

    def live(self) -> set[str]:
        """Tasks whose pane the last scan found (alive or dead)."""
        return {tid for tid, w in self._watches.items() if w.info is not None}

    def next_due(self) -> float:
        """The monotonic time at which :meth:`tick` next has something to read."""
        due = [self._scan_due, self._reload_due]
        due += [w.due for w in self._watches.values()]
        return min(due)

    def poke(self, tid: str | None = None) -> None:
        """Read soon: one task (squadron just typed into it) or everything."""
        now = self.clock()
        if tid is None:
            self._scan_due = now
            return
        watch = self._watches.get(tid)
        if watch is not None:
            watch.due = now
            watch.last_output = now

    # -- one tick ---------------------------------------------------------------------------
    def tick(self, reload: bool = False, events: bool = False) -> list[Observation]:
        """Read what is due; return the observations of the tasks this tick touched (every
        task on a scan, on hook events or when task files changed; else the panes read and
        the tasks squadron is typing into). ``reload``: task files may have changed;
        ``events``: hook events may have arrived."""
        self.ticks += 1
        now = self.clock()
        everything = events or ((reload or now >= self._reload_due) and self.reload())
        scanned = now >= self._scan_due
        panes = self._scan(now) if scanned else None
        read = self._read_due(now)
        out = []
        for task in list(self.tasks.values()):
            if not (everything or scanned or task.id in read or task.id in self.hot):
                continue
            try:
                out.append(self._observe(task, now, scanned or events, panes))
            except Exception as exc:  # one bad task must not stop the others
                out.append(self._failed(task, exc))
        self._schedule(now)
        return out

    def _scan(self, now: float) -> dict[str, PaneInfo]:
        try:
            panes = {p.session: p for p in self.engine.tmux.list_panes()}
        except TmuxError:
            panes = {}
        for task in self.tasks.values():
            watch = self._watch(task)
            watch.scanned = True
            info = panes.get(task.session)
            if info is None:
                continue
            moved = watch.info is None or _fingerprint(info) != _fingerprint(watch.info)
            # tmux keeps the last output time to the second: output may have come after the
            # last read while that second is not over
            output = info.activity >= int(watch.read_wall)
            if moved or output or watch.snap is None:
                watch.due = now
            watch.info = info
        return panes

    def _read_due(self, now: float) -> set[str]:
        """Read the panes due now or within BATCH seconds (one tmux call, fewer wake-ups);
        the ids of the tasks read."""
        due = {
            w.info.pane_id: (tid, w)
            for tid, w in ((t.id, self._watch(t)) for t in self.tasks.values())
            if w.info is not None and w.due <= now + BATCH
        }
        if not due:
            return set()
        wall = self.wall()
        try:
            read = self.engine.tmux.read_panes(list(due))
        except TmuxError:
            return set()
        self.reads += len(read)
        done = set()
        for pane_id, (tid, watch) in due.items():
            done.add(tid)
            if pane_id not in read:
                watch.info, watch.due = None, math.inf  # gone: the next scan says so
                self._scan_soon = True
                continue
            info, screen = read[pane_id]
            if info.dead:
                with contextlib.suppress(TmuxError):
                    screen = self.engine.capture(info)  # with the lines it scrolled away
            snap = pane_snapshot(info, screen)
            old = watch.snap
            watch.changed = old is None or (snap.screen, snap.title) != (old.screen, old.title)
            if watch.changed and old is not None:  # a first read is news, not output
                watch.last_output = now
            watch.info, watch.snap, watch.read_wall = info, snap, wall
            watch.read_tick, watch.due = self.ticks, math.inf
        return done

    def _follow_program(self, task: Task, watch: _Watch) -> None:
        """A shell task running a known agent (``claude`` typed at the prompt) is read with
        that agent's preset while it runs, and with the shell's again once it exits."""
        own = self.engine.preset_for(task)
        if not own.activity_only or watch.info is None:
            return
        found = match_preset(self.engine.settings.agents, watch.info.current_command, ())
        wanted = found if found is not None and not found.activity_only else own
        if watch.tracker.preset.name != wanted.name:
            watch.tracker = StatusTracker(wanted)

    def _read_events(self, task: Task, watch: _Watch) -> None:
        path = self.engine.store.events_path(task.id)
        try:
            size = path.stat().st_size
        except OSError:
            return
        if size <= watch.events_offset:
            watch.events_offset = min(watch.events_offset, size)
            return
        with path.open("rb") as fh:
            fh.seek(watch.events_offset)
            data = fh.read(size - watch.events_offset)
        watch.events_offset = size
        now = self.wall()
        for line in data.decode("utf-8", "replace").splitlines():
            status = status_of(line)
            if status is not None:
                watch.tracker.hook(status, now)
                watch.last_output = self.clock()

    def _observe(
        self, task: Task, now: float, events: bool, panes: dict[str, PaneInfo] | None
    ) -> Observation:
        watch = self._watch(task)
        if panes is not None and task.session not in panes:
            watch.info, watch.snap = None, None  # the session is gone
        self._follow_program(task, watch)
        if events:
            self._read_events(task, watch)
        snap = watch.snap
        if snap is None and (watch.info is not None or not watch.scanned):
            # listed but not read yet, or not looked for yet (a task that just appeared)
            self._scan_soon = self._scan_soon or not watch.scanned
            reading = watch.tracker.current
            return Observation(task, None, reading, False, watch.tracker, watch.approver)
        fresh = watch.read_tick == self.ticks
        changed = fresh and watch.changed
        if not watch.seeded and snap is not None:
            watch.seeded = True
            if task.status not in (Status.STARTING, Status.LOST):
                recorded = StatusReading(task.status, task.provenance, task.status_unsure)
                watch.tracker.seed(recorded, task.last_screen, self.wall())
            changed = snap.screen != task.last_screen
        reading = watch.tracker.observe(snap, changed, self.wall(), fresh=fresh)
        task, moved = self._record(task, watch, reading, snap)
        return Observation(task, snap, reading, moved, watch.tracker, watch.approver)

    def _record(
        self, task: Task, watch: _Watch, reading: StatusReading, snap: PaneSnapshot | None
    ) -> tuple[Task, bool]:
        """Store the reading when it differs from what the task file says."""
        if reading.status == Status.LOST and task.stage == Stage.MERGED:
            return task, False
        question = (
            question_text(watch.tracker.preset, snap.screen)
            if snap is not None and reading.status == Status.WAITING
            else ""
        )
        recorded = (task.status, task.provenance, task.status_unsure, task.question, task.problem)
        wanted = (reading.status, reading.provenance, reading.unsure, question, "")
        if recorded == wanted and (
            reading.exit_code is None or reading.exit_code == task.exit_code
        ):
            watch.reading = reading
            return task, False
        screen = snap.screen if snap is not None else task.last_screen
        stored = self.engine.record_status(task.id, reading, screen, question=question)
        watch.reading = reading
        if stored is None:
            return task, False
        self.tasks[task.id] = stored
        return stored, stored.status != task.status

    def _failed(self, task: Task, exc: Exception) -> Observation:
        """Mark the task that raised; keep its last reading."""
        problem = f"squadron cannot read this task: {type(exc).__name__}: {exc}"[:300]
        watch = self._watches.get(task.id)
        if task.problem != problem:
            stored = None
            with contextlib.suppress(OSError, StateError):  # the disk may be why it failed
                stored = self.engine.store.update(task.id, lambda t: setattr(t, "problem", problem))
            if stored is not None:
                self.tasks[task.id] = task = stored
        tracker = (
            watch.tracker if watch is not None else StatusTracker(self.engine.preset_for(task))
        )
        approver = watch.approver if watch is not None else AutoApprover()
        reading = StatusReading(task.status, task.provenance, task.status_unsure)
        return Observation(task, None, reading, False, tracker, approver)

    def _schedule(self, now: float) -> None:
        busy = False
        for tid, watch in self._watches.items():
            if watch.info is None or watch.info.dead:
                continue
            if watch.tracker.idle_pending:
                watch.due = min(watch.due, now + CONFIRM)
            elif self._is_hot(tid, now):
                # working for a while already: its end is what matters, read a little less
                steady = tid not in self.hot and watch.tracker.working_for(self.wall()) > 1.0
                watch.due = min(watch.due, now + (STEADY if steady else FAST))
            if self._is_hot(tid, now):
                busy = True
        working = any(t.status in (Status.STARTING, Status.WORKING) for t in self.tasks.values())
        if busy or working:
            self._quiet_since = now
            interval = SCAN_BUSY
        elif now - self._quiet_since > QUIET_AFTER:
            interval = SCAN_QUIET
        else:
            interval = SCAN_SLOW
        if self._scan_soon:  # a task appeared, or a pane went missing: look at once
            self._scan_due, self._scan_soon = now, False
        elif now >= self._scan_due:
            self._scan_due = now + interval
        else:
            self._scan_due = min(self._scan_due, now + interval)
