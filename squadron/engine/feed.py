"""What a viewer (the TUI) follows: the recorded tasks, the selected pane, the supervisor's
alerts. It reads; it never decides a status and never types.

One thread does it all. It wakes when any squadron process writes task state or an alert
(watchfiles), re-reads only the task files that changed, and reads the focused task's pane
(with colours and some history) while that pane's output may have changed: every 0.1 s while
it is busy, once a second when it is quiet. tmux calls go through the supervisor's session's
control connection when there is one (no process per call).

Callbacks run on the feed's thread: keep them short and thread-safe (the TUI posts a message;
never ``call_from_thread``, which hangs while the app is suspended for a take-over).
"""

from __future__ import annotations

import contextlib
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from squadron.adapters.tmux import PaneInfo, TmuxError
from squadron.core.task import Stage, Task
from squadron.engine.engine import Engine

BUSY, QUIET = 0.1, 1.0
HOT = 2.0


@dataclass(frozen=True)
class FeedUpdate:
    """What changed: the current tasks (when any task changed), the focused task's screen,
    alert records from the supervisor, tasks whose state file vanished without `rm`."""

    tasks: list[Task] | None = None
    changed: tuple[str, ...] = ()
    preview: tuple[str, str] | None = None
    alerts: list[dict[str, Any]] = field(default_factory=list)
    vanished: tuple[str, ...] = ()


class TaskFeed:
    def __init__(
        self,
        engine: Engine,
        on_update: Callable[[FeedUpdate], None],
        preview_history: int = 500,
    ) -> None:
        self.engine = engine
        self.on_update = on_update
        self.preview_history = preview_history
        self.focus: str | None = None
        self.tasks: dict[str, Task] = {}
        self._mtimes: dict[str, int] = {}
        self._alerts_offset = self._alerts_size()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._preview_key: tuple[object, ...] = ()
        self._preview_wall = 0.0
        self._preview_due = 0.0
        self._last_output = -math.inf

    # -- life -------------------------------------------------------------------------------
    def start(self) -> None:
        if self._threads:
            return
        session = f"{self.engine.key}_supervisor"
        self.engine.tmux.use_control(session)
        for target, name in ((self._run, "squadron-feed"), (self._watch, "squadron-feed-watch")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        self.engine.tmux.close_control()

    def poke(self) -> None:
        """Look again now (after an action, or when the focus moved)."""
        self._preview_key = ()
        self._preview_due = 0.0
        self._wake.set()

    # -- the loop -------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                update = self.step()
                if update is not None:
                    self.on_update(update)
            except Exception as exc:  # the feed must outlive one bad read
                self.engine.problems.append(f"task feed: {type(exc).__name__}: {exc}")
            now = time.monotonic()
            due = now + QUIET
            if self.focus in self.tasks:
                due = min(due, self._preview_due)
            self._wake.wait(max(0.02, due - now))
            self._wake.clear()

    def step(self) -> FeedUpdate | None:
        """Read what changed; None when nothing did."""
        changed, vanished = self._reload()
        alerts = self._read_alerts()
        preview = self._preview()
        if not (changed or vanished or alerts or preview):
            return None
        tasks = list(self.tasks.values()) if changed or vanished else None
        return FeedUpdate(tasks, tuple(changed), preview, alerts, tuple(vanished))

    def _reload(self) -> tuple[list[str], list[str]]:
        mtimes = self.engine.store.mtimes()
        changed: list[str] = []
        vanished: list[str] = []
        for tid in set(self._mtimes) - set(mtimes):
            task = self.tasks.pop(tid, None)
            changed.append(tid)
            # `rm` keeps what a task was in removed/; a file gone without that is news
            removed = (self.engine.store.removed_dir / f"{tid}.json").exists()
            if task is not None and not removed:
                vanished.append(tid)
        for tid, mtime in mtimes.items():
            if self._mtimes.get(tid) == mtime:
                continue
            problems: list[str] = []
            task = self.engine.store.read(tid, problems)
            self.engine.problems.extend(problems)
            if task is None or task.stage == Stage.ARCHIVED:
                self.tasks.pop(tid, None)
            else:
                self.tasks[tid] = task
            changed.append(tid)
        self._mtimes = mtimes
        return changed, vanished

    def _alerts_size(self) -> int:
        try:
            return self.engine.store.alerts_path.stat().st_size
        except OSError:
            return 0

    def _read_alerts(self) -> list[dict[str, Any]]:
        """Alert records written since this viewer opened (it does not replay older ones)."""
        size = self._alerts_size()
        if size < self._alerts_offset:
            self._alerts_offset = 0  # the journal was cut short
        if size == self._alerts_offset:
            return []
        with self.engine.store.alerts_path.open("rb") as fh:
            fh.seek(self._alerts_offset)
            data = fh.read(size - self._alerts_offset)
        complete, _, _ = data.rpartition(b"\n")
        self._alerts_offset += len(complete) + 1 if complete else 0
        out = []
        for line in complete.decode("utf-8", "replace").splitlines():
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict):
                    out.append(record)
        return out

    def _preview(self) -> tuple[str, str] | None:
        """The focused task's screen with colours, when its output may have changed."""
        now = time.monotonic()
        task = self.tasks.get(self.focus or "")
        if task is None or now < self._preview_due:
            return None
        self._preview_due = now + (BUSY if now - self._last_output < HOT else QUIET)
        try:
            pane = self._pane(task)
        except TmuxError:
            return None
        if pane is None:
            return None
        key = (pane.pane_id, pane.history_size, pane.cursor_x, pane.cursor_y, pane.dead)
        output = pane.activity >= int(self._preview_wall)
        if key == self._preview_key and not output:
            return None
        wall = time.time()
        try:
            screen = self.engine.tmux.capture(pane.pane_id, ansi=True, start=-self.preview_history)
        except TmuxError:
            return None
        if key != self._preview_key or output:
            self._last_output = now
        self._preview_key, self._preview_wall = key, wall
        return task.id, screen

    def _pane(self, task: Task) -> PaneInfo | None:
        return self.engine.tmux.pane_info(task.session)

    # -- watching -------------------------------------------------------------------------------
    def _watch(self) -> None:
        from watchfiles import watch

        store = self.engine.store
        store.tasks_dir.mkdir(parents=True, exist_ok=True)
        alerts = str(store.alerts_path)

        def wanted(_change: object, path: str) -> bool:
            return (path.endswith(".json") and Path(path).parent == store.tasks_dir) or (
                path == alerts
            )

        with contextlib.suppress(Exception):
            for _changes in watch(
                store.root,
                watch_filter=wanted,
                stop_event=self._stop,
                debounce=20,
                step=50,
                rust_timeout=1000,
                yield_on_timeout=False,
            ):
                self._wake.set()
