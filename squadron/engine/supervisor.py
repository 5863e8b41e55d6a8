"""The supervisor: one process per repository that owns every automated action on its tasks.

It reads every task's status (hooks, screen, activity, process) and records it in the task
files, types the first prompt and every queued message (verified delivery, one writer per pane),
answers permission questions the auto-approve policy covers, runs the check when a task goes
idle with changes (``auto_check``), raises alerts, and keeps each task's ``+added -removed``
current. The TUI and the CLI only read what it records and ask it to act through the task
files, so all of this goes on with no TUI open, and a status reads the same whoever reads it.

It runs in a session of its own on squadron's private tmux server (``squadron supervise``,
started by :func:`squadron.engine.supervision.ensure`), holds the repository's supervisor lock
for its whole life, and exits after a minute with nothing to watch. Its state is the task
files: a restarted supervisor picks up where the last one stopped, delivering nothing twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import threading
import time
import weakref
from pathlib import Path
from typing import IO

import squadron
from squadron.adapters.store import StateError, atomic_write
from squadron.adapters.tmux import TmuxError
from squadron.core.alerts import Alert, AlertTracker
from squadron.core.approve import question_line
from squadron.core.delivery import Action, Delivery, Step
from squadron.core.errors import SquadronError
from squadron.core.naming import first_line
from squadron.core.status import Status
from squadron.core.task import Mode, Outgoing, Stage, Task
from squadron.engine.engine import Engine
from squadron.engine.monitor import Observation, StatusMonitor
from squadron.engine.repair import repair_links
from squadron.engine.stats_keeper import StatsKeeper
from squadron.engine.supervision import SupervisorInfo, build_id

IDLE_EXIT = 60.0  # seconds with nothing to watch before the supervisor exits
HEARTBEAT = 5.0
LOG_LIMIT = 512 * 1024


class Waker:
    """Wakes a waiting loop from any thread or from a signal handler. A pipe, not an
    :class:`threading.Event`: a signal handler runs in the middle of whatever the main thread
    was doing, and setting an Event takes a lock that the interrupted wait may hold (the
    process then waits for itself forever). A wake-up never gets lost between two waits."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)
        weakref.finalize(self, _close_fds, self._read, self._write)

    def set(self) -> None:
        with contextlib.suppress(BlockingIOError):  # full pipe: a wake-up is pending anyway
            os.write(self._write, b"\0")

    def wait(self, timeout: float) -> None:
        """Return when woken (since the last wait) or after ``timeout`` seconds."""
        with contextlib.suppress(InterruptedError):
            select.select([self._read], [], [], max(0.0, timeout))
        with contextlib.suppress(BlockingIOError):
            while os.read(self._read, 4096):
                pass


def _close_fds(*fds: int) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


class Supervisor:
    def __init__(self, engine: Engine, session: str | None = None) -> None:
        self.engine = engine
        self.session = session
        self.monitor = StatusMonitor(engine)
        self._stop = threading.Event()
        self._signalled = False  # set by a signal handler, which must take no lock
        self._wake = Waker()
        self._dirty_tasks = threading.Event()
        self._dirty_events = threading.Event()
        self._deliveries: dict[str, tuple[int, Delivery]] = {}
        self._notes: dict[tuple[str, int], str] = {}
        self.alerts = AlertTracker()
        self._escalations: list[tuple[float, Alert]] = []
        self._checking: set[str] = set()
        self._auto_checked: dict[str, float] = {}
        self.stats = StatsKeeper(engine, self.log)
        self._lock_file: IO[bytes] | None = None
        self._idle_since = time.monotonic()
        self._heartbeat = 0.0
        self._config_stamp = self._config_mtimes()
        self._build = build_id()  # the code this process runs (replaced when it changes)
        self._started_at = time.time()

    # -- life ---------------------------------------------------------------------------------
    def _acquire(self) -> None:
        store = self.engine.store
        store.root.mkdir(parents=True, exist_ok=True)
        fh = open(store.supervisor_lock, "a+b")  # noqa: SIM115 - held for the process's life
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            info = SupervisorInfo.read(store)
            who = f" (pid {info.pid})" if info is not None else ""
            raise SquadronError(
                f"the supervisor of {self.engine.repo.toplevel} is already running{who}; "
                "`squadron supervisor stop` stops it"
            ) from None
        self._lock_file = fh
        with contextlib.suppress(OSError, StateError):  # a full disk must not stop it
            self._write_info()

    def _write_info(self) -> None:
        self._heartbeat = time.monotonic()
        info = {
            "pid": os.getpid(),
            "build": self._build,
            "version": squadron.__version__,
            "started_at": self._started_at,
            "session": self.session or "",
            "heartbeat": time.time(),
        }
        atomic_write(self.engine.store.supervisor_info, json.dumps(info) + "\n")

    def _release(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _on_signal(self, *_: object) -> None:
        self._signalled = True
        self._wake.set()

    def _stopping(self) -> bool:
        return self._signalled or self._stop.is_set()

    def run(self) -> int:
        """Own the repository until stopped (SIGTERM, SIGHUP) or idle for a minute."""
        self._acquire()
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            with contextlib.suppress(ValueError):  # not the main thread (tests)
                signal.signal(sig, self._on_signal)
        if self.session:
            self.engine.tmux.use_control(self.session)
        self.log(f"supervising {self.engine.repo.toplevel} (pid {os.getpid()})")
        threading.Thread(target=self._watch, name="squadron-watch", daemon=True).start()
        self.stats.start()
        clean = False
        try:
            for line in repair_links(self.engine, self.engine.tasks()):
                self.log(line)
            self.monitor.reload()
            for tid in self.monitor.tasks:
                self.stats.want(tid)
            while not self._stopping():
                self.step()
                if self._should_exit():
                    break
                pause = max(
                    0.0, min(self.monitor.next_due(), self._next_escalation()) - time.monotonic()
                )
                self._wake.wait(min(pause, HEARTBEAT))
            clean = True
        finally:
            self._stop.set()
            self.stats.stop()
            if clean:
                self._close_own_pane()
            self.engine.tmux.close_control()
            self._release()
            self.log("supervisor stopped")
        return 0

    def _close_own_pane(self) -> None:
        """A supervisor that stops cleanly takes its session with it (a crashed one's pane
        stays, showing why), so an empty tmux server can end."""
        pane = os.environ.get("TMUX_PANE", "")
        if self.session and pane:
            with contextlib.suppress(TmuxError, ValueError):
                self.engine.tmux.close_pane_on_exit(pane)

    def start_thread(self) -> threading.Thread:
        """Run in a thread of this process (tests of the parts)."""
        thread = threading.Thread(target=self.run, name="squadron-supervisor", daemon=True)
        thread.start()
        deadline = time.monotonic() + 5
        while self._lock_file is None and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        return thread

    def log(self, text: str) -> None:
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {text}"
        print(line, flush=True)
        path = self.engine.store.supervisor_log
        with contextlib.suppress(OSError):
            if path.exists() and path.stat().st_size > LOG_LIMIT:
                tail = path.read_bytes()[-LOG_LIMIT // 2 :]
                path.write_bytes(tail)
            with path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")

    def _should_exit(self) -> bool:
        """Nothing to watch for a minute: no live session, nothing to type. Checked again
        under the store lock, where `new` and `send` record their work before they look
        for a supervisor, so nothing recorded is ever left without one."""
        now = time.monotonic()
        if self._busy():
            self._idle_since = now
            return False
        if now - self._idle_since < IDLE_EXIT or self._checking:
            return False
        with self.engine.store.locked():
            self.monitor.reload()
            if self._busy(look=True):
                self._idle_since = now
                return False
            self._release()  # a command that looks now starts a new supervisor
        return True

    def _busy(self, look: bool = False) -> bool:
        """A task with a live session or something to type. ``look``: ask tmux now rather
        than trust the last scan."""
        if look:
            live = {p.session for p in self.engine.tmux.list_panes()}
            alive = {t.id for t in self.monitor.tasks.values() if t.session in live}
        else:
            alive = self.monitor.live()
        return any(t.id in alive or t.pending() for t in self.monitor.tasks.values())

    # -- the loop -----------------------------------------------------------------------------
    def step(self) -> list[Observation]:
        """One tick: read what is due, then act on what it showed."""
        reload = self._dirty_tasks.is_set()
        self._dirty_tasks.clear()
        events = self._dirty_events.is_set()
        self._dirty_events.clear()
        observations = self.monitor.tick(reload=reload, events=events)
        for problem in self.monitor.problems:
            self.log(problem)
        self.monitor.problems.clear()
        for obs in observations:
            try:
                self._act(obs)
            except Exception as exc:  # one task's trouble stays its own
                self._mark_problem(obs.task, f"{type(exc).__name__}: {exc}")
        # every tick: a task can deserve an alert without a status change (its +/- arrived)
        tasks = list(self.monitor.tasks.values())
        self._alert(tasks)
        self.stats.follow(
            {t.worktree: t.id for t in tasks if t.stage in (Stage.RUNNING, Stage.REVIEW)},
            [t.id for t in tasks if t.status == Status.WORKING],
        )
        self._escalate()
        if time.monotonic() - self._heartbeat > HEARTBEAT:
            self._reload_config()
            with contextlib.suppress(OSError, StateError):
                self._write_info()
        return observations

    def _act(self, obs: Observation) -> None:
        task = obs.task
        if obs.changed:
            self.stats.want(task.id)
            self._auto_check(task)
        if task.pending():
            self.monitor.hot.add(task.id)
            self._deliver(obs)
            return
        self._deliveries.pop(task.id, None)
        self._approve(obs)
        if obs.approver.armed:  # an answer waits out its delay: keep looking
            self.monitor.hot.add(task.id)
        else:
            self.monitor.hot.discard(task.id)

    def _mark_problem(self, task: Task, problem: str) -> None:
        problem = first_line(f"squadron cannot drive this task: {problem}", 300)
        self.log(f"{task.id}: {problem}")
        if task.problem != problem:
            with contextlib.suppress(OSError, StateError):
                self.engine.store.update(task.id, lambda t: setattr(t, "problem", problem))

    # -- typing -------------------------------------------------------------------------------
    def _set_item(self, tid: str, item_id: int, **changes: object) -> Task | None:
        """Record an outbox entry's new state (before the step it announces is taken)."""

        def change(t: Task) -> None:
            item = t.outgoing(item_id)
            if item is None:
                return
            for key, value in changes.items():
                setattr(item, key, value)
            if item.done:
                item.done_at = self.engine.clock()
                if item.state == "sent":
                    what = (
                        "first prompt typed"
                        if item.kind == "prompt"
                        else (item.text or "keys " + " ".join(item.keys))
                    )
                    t.record(item.done_at, "message", what)
                    if item.kind == "prompt":
                        t.prompt_delivered = True
                else:
                    t.record(item.done_at, "message", f"not delivered: {item.note}")

        stored = self.engine.store.update(tid, change)
        if stored is not None:
            self.monitor.tasks[tid] = stored  # act on what was just recorded, not older news
        return stored

    def _deliver(self, obs: Observation) -> None:
        task = obs.task
        if obs.snap is None and obs.reading.status is not Status.LOST:
            return  # not read yet
        for item in [o for o in task.pending() if o.kind == "keys"]:
            self._press(task, obs, item)
        texts = [o for o in task.pending() if o.kind != "keys"]
        if not texts:
            return
        item = texts[0]
        if task.mode == Mode.CONDUCTOR and not item.force:
            self._note(task, item, "in conductor mode: typed when the task is handed back")
            self._deliveries.pop(task.id, None)
            return
        current = self._deliveries.get(task.id)
        if current is None or current[0] != item.id:
            preset = obs.tracker.preset
            resumed = item.state in ("typing", "entered")
            delivery = Delivery(
                preset,
                item.text,
                item.kind == "prompt",
                resumed=resumed,
                patience=self.engine.settings.ready_timeout,
            )
            if (
                item.state == "entered"
                and obs.snap is not None
                and not delivery.in_box(obs.snap.screen)
            ):
                self._finish(task, item, obs, Step(Action.DONE))  # Enter went through
                return
            self._deliveries[task.id] = current = (item.id, delivery)
        step = current[1].step(obs.snap, time.time())
        if step.action is Action.WAIT:
            self._note(task, item, step.note)
        elif step.action is Action.TYPE:
            if self._set_item(task.id, item.id, state="typing", note="typing") is None:
                return
            try:
                with self.engine.store.typing(task.id):
                    self.engine.tmux.send_text(task.session, item.text)
            except (TmuxError, UnicodeError) as exc:  # e.g. undecodable text from an old file
                self._finish(task, item, obs, Step(Action.FAIL, f"cannot type it: {exc}"))
                return
            self.monitor.poke(task.id)
        elif step.action is Action.ENTER:
            self._set_item(task.id, item.id, state="entered", note="submitted")
            with self.engine.store.typing(task.id):
                self.engine.tmux.send_keys(task.session, "Enter")
            self.monitor.poke(task.id)
        else:
            self._finish(task, item, obs, step)

    def _finish(self, task: Task, item: Outgoing, obs: Observation, step: Step) -> None:
        self._deliveries.pop(task.id, None)
        if step.action is Action.DONE:
            obs.tracker.expect_work(time.time())
            self._set_item(task.id, item.id, state="sent", note="")
            self.log(f"{task.id}: delivered {item.kind} {item.id}")
        else:
            self._set_item(task.id, item.id, state="failed", note=step.note)
            self.log(f"{task.id}: could not deliver {item.kind} {item.id}: {step.note}")
        self.monitor.poke(task.id)

    def _note(self, task: Task, item: Outgoing, note: str) -> None:
        """Say what a pending entry waits for (written only when it changes)."""
        if item.note != note and self._notes.get((task.id, item.id)) != note:
            self._notes[(task.id, item.id)] = note
            self._set_item(task.id, item.id, note=note)

    def _press(self, task: Task, obs: Observation, item: Outgoing) -> None:
        if item.state == "entered":  # pressed by a supervisor that stopped: at most once
            self._set_item(task.id, item.id, state="sent", note="")
            return
        if task.mode == Mode.CONDUCTOR and not item.force:
            self._set_item(task.id, item.id, state="failed", note="in conductor mode")
            return
        if obs.snap is None or obs.snap.dead:
            why = "its session is gone" if obs.snap is None else "the agent has exited"
            self._set_item(task.id, item.id, state="failed", note=why)
            return
        if self._set_item(task.id, item.id, state="entered") is None:
            return
        with self.engine.store.typing(task.id):
            self.engine.tmux.send_keys(task.session, *item.keys)
        self._set_item(task.id, item.id, state="sent", note="")
        self.monitor.poke(task.id)

    # -- auto-approve -------------------------------------------------------------------------
    def _approve(self, obs: Observation) -> None:
        """Answer a permission question the task's policy covers: unattended tasks only, and
        never before the first prompt went in (start-up questions are the user's)."""
        task, snap = obs.task, obs.snap
        if snap is None or not task.prompt_delivered:
            return
        preset = obs.tracker.preset
        policy = self.engine.approve_policy(task)
        unattended = task.mode == Mode.UNATTENDED
        if not obs.approver.consider(
            preset, policy, unattended, obs.reading, snap, time.monotonic()
        ):
            return
        fresh = self.engine.store.load(task.id)
        if fresh is None or fresh.mode != Mode.UNATTENDED:
            return  # taken over a moment ago
        question = question_line(snap.screen)
        at = self.engine.clock()
        detail = f"auto-approved ({policy}): {question}"
        # recorded first: nothing is typed that the history does not show
        if self.engine.store.update(task.id, lambda t: t.record(at, "approve", detail)) is None:
            return
        with self.engine.store.typing(task.id):
            self.engine.tmux.send_keys(task.session, *preset.approve_keys)
        self.log(f"{task.id}: auto-approved ({policy}): {question}")
        self.monitor.poke(task.id)

    # -- checks -------------------------------------------------------------------------------
    def _auto_check(self, task: Task) -> None:
        settings = self.engine.settings
        if not (settings.auto_check and settings.check) or task.id in self._checking:
            return
        if task.status != Status.IDLE or not (task.added or task.removed):
            return
        if task.stage != Stage.RUNNING or self._auto_checked.get(task.id) == task.status_since:
            return
        self._auto_checked[task.id] = task.status_since
        self._checking.add(task.id)
        threading.Thread(target=self._check, args=(task.id,), daemon=True).start()

    def _check(self, tid: str) -> None:
        try:
            result = self.engine.run_check(tid)
            self.log(f"{tid}: auto-check: {result.summary}")
        except Exception as exc:
            self.log(f"{tid}: auto-check failed to run: {exc}")
        finally:
            self._checking.discard(tid)

    # -- alerts -------------------------------------------------------------------------------
    def _alert(self, tasks: list[Task]) -> None:
        delay = self.engine.settings.notifications.delay
        for alert in self.alerts.check(tasks):
            self._journal("alert", alert)
            self._escalations.append((time.monotonic() + delay, alert))

    def _next_escalation(self) -> float:
        return min((due for due, _ in self._escalations), default=float("inf"))

    def _escalate(self) -> None:
        now = time.monotonic()
        due = [a for d, a in self._escalations if d <= now]
        self._escalations = [(d, a) for d, a in self._escalations if d > now]
        for alert in due:
            task = self.monitor.tasks.get(alert.task_id)
            if AlertTracker.still_current(alert, task):
                self._journal("escalate", alert)
                self._notify_desktop(alert)

    def _journal(self, kind: str, alert: Alert) -> None:
        record = {
            "kind": kind,
            "task": alert.task_id,
            "status": alert.status.value,
            "since": alert.since,
            "text": alert.text,
            "at": time.time(),
        }
        with contextlib.suppress(OSError), self.engine.store.alerts_path.open("a") as fh:
            fh.write(json.dumps(record) + "\n")

    def _notify_desktop(self, alert: Alert) -> None:
        """What needs no terminal: notify-send, and the user's own notify command."""
        settings = self.engine.settings.notifications
        argv: list[str] | None = None
        if settings.desktop == "notify-send" and shutil.which("notify-send"):
            argv = ["notify-send", "squadron", alert.text]
        if argv is not None:
            with contextlib.suppress(OSError):
                subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )

    # -- watching the state folder --------------------------------------------------------------
    def _watch(self) -> None:
        """Wake when any process writes task state or an agent's hook writes an event."""
        from watchfiles import watch

        store = self.engine.store
        for folder in (store.tasks_dir, store.events_dir):
            folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):
            for changes in watch(
                store.tasks_dir,
                store.events_dir,
                watch_filter=None,  # the default filter ignores every path inside ".git"
                stop_event=self._stop,
                debounce=10,
                step=50,
                rust_timeout=1000,
                yield_on_timeout=False,
            ):
                for _change, path in changes:
                    if Path(path).parent == store.events_dir:
                        self._dirty_events.set()
                    else:
                        self._dirty_tasks.set()
                self._wake.set()

    def _config_mtimes(self) -> tuple[float, ...]:
        from squadron.adapters.places import project_config_path, user_config_path

        stamps = []
        for path in (user_config_path(), project_config_path(self.engine.repo.toplevel)):
            try:
                stamps.append(path.stat().st_mtime)
            except OSError:
                stamps.append(0.0)
        return tuple(stamps)

    def _reload_config(self) -> None:
        """Pick up an edited config (auto_approve, check, presets) without a restart."""
        stamp = self._config_mtimes()
        if stamp == self._config_stamp:
            return
        self._config_stamp = stamp
        from squadron.adapters.config import load_settings

        try:
            self.engine.settings = load_settings(self.engine.repo.toplevel)
            self.log("config reloaded")
        except SquadronError as exc:
            self.log(f"config not reloaded: {exc}")


def run_supervisor(engine: Engine) -> int:
    """``squadron supervise``: be this repository's supervisor until stopped."""
    session = os.environ.get("SQUADRON_SUPERVISOR_SESSION") or None
    try:
        return Supervisor(engine, session).run()
    except TmuxError as exc:
        raise SquadronError(str(exc)) from None
