"""Keeping every task's ``+added -removed`` current, for the supervisor, at a bounded cost.

Computing a task's stats runs a few git processes (a temporary-index snapshot, then a numstat):
tens of milliseconds. So they are computed only when they can have changed: when a task's
status changes, and when a file in its worktree changes (inotify, through watchfiles: no
polling), at most once every few seconds per task, one task at a time, pausing twice as long
as each computation took. Where the worktrees cannot be watched (the system's inotify limit),
a working task is recomputed every minute instead.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from squadron.core.task import Stage

if TYPE_CHECKING:
    from squadron.engine.engine import Engine

MIN_GAP = 3.0  # seconds between two computations of one task's stats
FALLBACK_EVERY = 60.0  # when worktrees cannot be watched


class StatsKeeper:
    def __init__(self, engine: Engine, log: Callable[[str], None]) -> None:
        self.engine = engine
        self.log = log
        self._wanted: dict[str, float] = {}  # task id -> not before (monotonic)
        self._done: dict[str, float] = {}  # task id -> last computed (monotonic)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._worktrees: dict[str, str] = {}  # worktree path -> task id
        self._watched: dict[str, str] = {}
        self._restart = threading.Event()
        self.watching = True  # False once inotify refused: fall back to a slow period
        self.computed = 0

    # -- asking ------------------------------------------------------------------------------
    def want(self, tid: str) -> None:
        """Recompute ``tid`` soon (not sooner than ``MIN_GAP`` after the last time)."""
        with self._lock:
            not_before = self._done.get(tid, -MIN_GAP) + MIN_GAP
            self._wanted[tid] = min(self._wanted.get(tid, not_before), not_before)
        self._wake.set()

    def follow(self, worktrees: dict[str, str], working: list[str]) -> None:
        """The live tasks' worktrees (path -> id); ``working``: tasks busy now (recomputed
        every minute when worktrees cannot be watched)."""
        if worktrees != self._worktrees:
            self._worktrees = dict(worktrees)
            self._restart.set()
        if not self.watching:
            now = time.monotonic()
            for tid in working:
                if now - self._done.get(tid, -FALLBACK_EVERY) >= FALLBACK_EVERY:
                    self.want(tid)

    # -- life ------------------------------------------------------------------------------
    def start(self) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=self._compute_loop, name="squadron-stats", daemon=True),
            threading.Thread(target=self._watch_loop, name="squadron-worktrees", daemon=True),
        ]
        for thread in threads:
            thread.start()
        return threads

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._restart.set()

    # -- computing -------------------------------------------------------------------------
    def _next(self) -> tuple[str | None, float]:
        """The task to compute now, or how long to wait for one."""
        now = time.monotonic()
        with self._lock:
            if not self._wanted:
                return None, 1.0
            tid = min(self._wanted, key=self._wanted.__getitem__)
            wait = self._wanted[tid] - now
            if wait > 0:
                return None, wait
            del self._wanted[tid]
            return tid, 0.0

    def _compute_loop(self) -> None:
        while not self._stop.is_set():
            tid, wait = self._next()
            if tid is None:
                self._wake.wait(min(wait, 1.0))
                self._wake.clear()
                continue
            task = self.engine.store.load(tid)
            if task is None or task.stage in (Stage.ARCHIVED, Stage.MERGED, Stage.CREATING):
                continue
            started = time.monotonic()
            try:
                self.engine.stats(task)
            except Exception as exc:
                self.log(f"{tid}: cannot compute its diff stats: {exc}")
            self.computed += 1
            self._done[tid] = time.monotonic()
            self._stop.wait(max(0.05, 2 * (time.monotonic() - started)))

    # -- watching worktrees --------------------------------------------------------------------
    def _watch_loop(self) -> None:
        from watchfiles import watch

        while not self._stop.is_set():
            self._restart.clear()
            paths = {p: t for p, t in self._worktrees.items() if Path(p).is_dir()}
            if not paths or not self.watching:
                self._restart.wait(1.0)
                continue
            self._watched = paths
            try:
                for changes in watch(
                    *paths,
                    stop_event=self._restart,
                    debounce=300,
                    step=1000,
                    rust_timeout=2000,
                    yield_on_timeout=False,
                ):
                    for _change, changed in changes:
                        tid = self._owner(changed)
                        if tid is not None:
                            self.want(tid)
            except OSError as exc:  # e.g. the inotify watch limit
                self.watching = False
                self.log(f"cannot watch the worktrees ({exc}); their +/- refresh every minute")
            except Exception as exc:
                with contextlib.suppress(Exception):
                    self.log(f"worktree watcher stopped: {type(exc).__name__}: {exc}")
                self._stop.wait(5.0)

    def _owner(self, changed: str) -> str | None:
        for path, tid in self._watched.items():
            if changed == path or changed.startswith(path.rstrip("/") + "/"):
                return tid
        return None
