"""TUI figures: the real ``SquadronApp`` over a real engine, run headless (Pilot, 160x50).

Run: ``.venv/bin/python bench/bench_tui.py [--quick]``. Prints figures; asserts nothing.

Tasks are created with the engine before any clock starts; each runs the ``shell`` agent
(``/bin/sh`` idling at its prompt) in a worktree of a 250-file repository. "Painted" means the
app handed a compositor update to its display (``App._display``, spied): headless Textual renders
the changed lines there and skips only the terminal write.

1. First paint with 50 tasks: from constructing the app until the first paint with all 50 rows in
   the sidebar (cold: the first app in this process; warm: median of the next runs). RSS
   (/proc/self/status VmRSS) once the app has settled (every task idle, no worker running).
2. Keystroke latency with 100 live tasks: ``j`` delivered like a terminal key (driver message)
   until the paint that shows the highlight on the next row; and until the paint that shows the
   newly selected task's pane.
3. The diff of a task with 200 changed files: ``d`` until the paint with the DiffView showing all
   200 files (the tab switch starts the diff worker: git, parse, show).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

from _common import (
    Report,
    change_files,
    isolated,
    make_repo,
    median,
    pct,
    section,
    write_user_config,
)
from textual import events
from textual.widgets import TabbedContent

from squadron.core.status import Status
from squadron.engine.engine import Engine
from squadron.ui.app import SquadronApp
from squadron.ui.widgets.diff_view import DiffView
from squadron.ui.widgets.pane_view import PaneView
from squadron.ui.widgets.sidebar import RowView, Sidebar

SIZE = (160, 50)
DIFF_FILES = 200


def rss_mib() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MiB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", float("nan")), values.get("VmHWM", float("nan"))


class Spy:
    """Wraps ``app._display``: calls ``check()`` at each paint; records when it first held."""

    def __init__(self, app: SquadronApp) -> None:
        self.app = app
        self.paints = 0
        self.check: Any = None
        self.hit: float | None = None
        original = app._display

        def display(screen: object, renderable: object) -> None:
            original(screen, renderable)  # type: ignore[arg-type]
            if renderable is None:
                return
            self.paints += 1
            if self.check is not None and self.hit is None and self.check():
                self.hit = time.perf_counter()

        app._display = display  # type: ignore[method-assign]

    def arm(self, check: Any) -> None:
        self.check, self.hit = check, None

    async def wait(self, timeout: float = 10.0) -> float | None:
        deadline = time.perf_counter() + timeout
        while self.hit is None and time.perf_counter() < deadline:
            await asyncio.sleep(0.001)
        self.check = None
        return self.hit


def row_count(app: SquadronApp) -> int:
    main = app.main
    if main is None or not main.is_mounted:
        return 0
    try:
        return main.query_one(Sidebar).list_view.option_count
    except Exception:
        return 0


def rows(app: SquadronApp) -> list[RowView]:
    if app.main is None:
        return []
    return app.main.query_one(Sidebar).rows()


async def settle(app: SquadronApp, pilot: Any, n: int, timeout: float = 60.0) -> float:
    """Until the monitor has stored every task as idle and no worker runs, for 0.5 s in a row.

    Returns how long that took (s). Goes by the task store (what the monitor recorded), not by
    the rows: rows can lag behind (see :func:`stale_rows`)."""
    start = time.perf_counter()
    calm_since = None
    while time.perf_counter() - start < timeout:
        busy = any(w.is_running for w in app.workers)
        stored = app.engine.tasks(include_archived=False)
        calm = (
            not busy
            and len(stored) == n
            and row_count(app) == n
            and all(t.status == Status.IDLE for t in stored)
        )
        if calm:
            calm_since = calm_since or time.perf_counter()
            if time.perf_counter() - calm_since >= 0.5:
                return calm_since - start
        else:
            calm_since = None
        await pilot.pause(0.2)
    busy_names = [w.name for w in app.workers if w.is_running]
    print(
        f"  (the app did not settle within {timeout:g}s: running workers {busy_names})", flush=True
    )
    return float("nan")


def stale_rows(app: SquadronApp) -> tuple[int, dict[str, int]]:
    """Rows whose status differs from the one the monitor stored, and the rows' statuses."""
    stored = {t.id: t.status for t in app.engine.tasks(include_archived=False)}
    counts: dict[str, int] = {}
    stale = 0
    for row in rows(app):
        status = row.task_data.status
        counts[status.value] = counts.get(status.value, 0) + 1
        stale += stored.get(row.task_data.id) != status
    return stale, counts


def count_stats(engine: Engine) -> dict[str, float]:
    """Count and time ``engine.stats`` calls (the sidebar's +/- per task) on this engine."""
    tally = {"calls": 0, "seconds": 0.0}
    original = engine.stats

    def stats(task: Any) -> tuple[int, int]:
        t0 = time.perf_counter()
        try:
            return original(task)
        finally:
            tally["calls"] += 1
            tally["seconds"] += time.perf_counter() - t0

    engine.stats = stats  # type: ignore[method-assign]
    return tally


# -- 1. first paint and RSS ----------------------------------------------------------------------


async def first_paint(repo: Path, n: int, measure_rss: bool) -> dict[str, float]:
    engine = Engine.open(repo)
    tally = count_stats(engine)
    t0 = time.perf_counter()
    app = SquadronApp(engine, attacher=lambda app, argv: None)
    spy = Spy(app)
    spy.arm(lambda: row_count(app) >= n)
    out: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        out["mounted"] = time.perf_counter() - t0
        while row_count(app) < n and time.perf_counter() - t0 < 60:
            await pilot.pause(0.01)
        out["rows"] = time.perf_counter() - t0
        hit = await spy.wait(10)
        out["paint"] = (hit - t0) if hit else float("nan")
        before = time.perf_counter() - t0
        out["settled"] = before + await settle(app, pilot, n)
        await pilot.pause(0.3)
        out["stale"], out["row_statuses"] = stale_rows(app)  # type: ignore[assignment]
        out["stats_calls"], out["stats_seconds"] = tally["calls"], tally["seconds"]
        if measure_rss:
            await pilot.pause(1.0)
            out["rss"], out["hwm"] = rss_mib()
    return out


# -- 2 and 3. keys and diff ----------------------------------------------------------------------


def press(app: SquadronApp, key: str) -> None:
    """Deliver ``key`` the way a terminal key arrives: a Key event from the driver."""
    event = events.Key(key, key)
    event.set_sender(app)
    if app._driver is not None:
        app._driver.send_message(event)


async def keys_and_diff(
    repo: Path, n: int, presses: int, diff_tid: str, diff_runs: int, report: Report
) -> None:
    engine = Engine.open(repo)
    app = SquadronApp(engine, attacher=lambda app, argv: None)
    spy = Spy(app)
    rng = random.Random(3)
    async with app.run_test(size=SIZE) as pilot:
        while row_count(app) < n:
            await pilot.pause(0.05)
        took = await settle(app, pilot, n)
        await pilot.pause(0.3)
        stale, counts = stale_rows(app)
        print(
            f"  (the app settled {took:.1f}s after showing {n} rows; rows show {counts}, "
            f"{stale} of them not the status the monitor stored)",
            flush=True,
        )
        main = app.main
        if main is None:
            print("  (the app has no main screen: nothing measured)", flush=True)
            return
        view = main.query_one(Sidebar).list_view
        pane = main.query_one(PaneView)
        view.index = 0
        await pilot.pause(0.3)
        ids = [r.task_data.id for r in rows(app)]
        highlight, preview = [], []
        for _ in range(presses):
            target = (view.index or 0) + 1
            if target >= len(ids):
                break
            spy.arm(lambda target=target: view.index == target)
            t0 = time.perf_counter()
            press(app, "j")
            hit = await spy.wait(5)
            if hit is not None:
                highlight.append(hit - t0)
            spy.arm(lambda target=target: pane.task_id == ids[target])
            hit2 = await spy.wait(5)
            if hit2 is not None:
                preview.append(hit2 - t0)
            await pilot.pause(rng.uniform(0.08, 0.15))
        section(f"keystroke latency, {n} live tasks, {len(highlight)} presses of j")
        report.add("j → highlight painted, median", median(highlight) * 1000, "ms")
        report.add(
            "j → highlight painted, p95",
            pct(highlight, 0.95) * 1000,
            "ms",
            goal=50,
            note=f"max {max(highlight, default=float('nan')) * 1000:.0f} ms",
        )
        report.add("j → selected task's pane painted, median", median(preview) * 1000, "ms")
        report.add("j → selected task's pane painted, p95", pct(preview, 0.95) * 1000, "ms")

        section(f"diff tab with {DIFF_FILES} changed files ({n} tasks live)")
        diff_view = main.query_one(DiffView)
        tabs = main.query_one(TabbedContent)
        main.select_task(diff_tid)
        while main.selected_id != diff_tid:
            await pilot.pause(0.05)
        shown_at: list[float] = []
        original_show = DiffView.show

        def show(self: DiffView, *a: Any, **k: Any) -> None:
            shown_at.append(time.perf_counter())
            original_show(self, *a, **k)

        DiffView.show = show  # type: ignore[method-assign]
        times, to_show = [], []
        try:
            for _ in range(diff_runs):
                # Back to the pane tab. While the diff pane has the focus, p does not leave the
                # diff tab (TabbedContent re-activates the tab holding the focus): focus the list.
                view.focus()
                await pilot.press("p")
                await pilot.pause(0.3)
                if tabs.active != "tab-pane":
                    print("  (could not get back to the pane tab)", flush=True)
                shown_at.clear()
                spy.arm(
                    lambda: (
                        bool(shown_at)
                        and len(diff_view.files) == DIFF_FILES
                        and not diff_view.has_class("-message")
                    )
                )
                t0 = time.perf_counter()
                press(app, "d")
                hit = await spy.wait(15)
                if hit is not None:
                    times.append(hit - t0)
                    to_show.append(shown_at[0] - t0)
                await pilot.pause(0.3)
        finally:
            DiffView.show = original_show  # type: ignore[method-assign]
        report.add(
            f"d → diff of {DIFF_FILES} files painted, first",
            times[0] * 1000 if times else float("nan"),
            "ms",
        )
        report.add(
            f"d → diff of {DIFF_FILES} files painted, median of {len(times)}",
            median(times) * 1000,
            "ms",
            goal=150,
            note=f"of which key → DiffView.show() (worker: engine.diff, parse) "
            f"{median(to_show) * 1000:.0f} ms",
        )


def create_tasks(engine: Engine, count: int, prefix: str) -> list[str]:
    return [engine.new_task(f"{prefix} {i}", agent="shell").id for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer tasks and presses")
    args = parser.parse_args()
    quick = args.quick
    n_paint, n_keys = (20, 40) if quick else (50, 100)
    presses, warm_runs, diff_runs = (10, 1, 2) if quick else (50, 2, 5)
    report = Report("bench_tui")
    print(
        f"bench_tui{' --quick' if quick else ''}: python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores, headless {SIZE[0]}x{SIZE[1]}",
        flush=True,
    )
    with isolated("tui") as bench:
        write_user_config('default_agent = "shell"\n')
        repo = make_repo(bench.root / "tui" / "proj", 250)
        engine = Engine.open(repo)
        t0 = time.perf_counter()
        ids = create_tasks(engine, n_paint, "task")
        print(f"  (created {n_paint} shell tasks in {time.perf_counter() - t0:.1f}s)", flush=True)
        diff_tid = ids[0]
        change_files(Path(engine.get(diff_tid).worktree), DIFF_FILES, new=10)
        rss_before, _ = rss_mib()

        section(f"first paint with {n_paint} tasks")
        cold = asyncio.run(first_paint(repo, n_paint, measure_rss=True))
        warm = [
            asyncio.run(first_paint(repo, n_paint, measure_rss=False)) for _ in range(warm_runs)
        ]
        report.add(
            f"app start → {n_paint} rows painted, cold (first app in the process)",
            cold["paint"] * 1000,
            "ms",
            goal=400,
            note=f"run_test ready after {cold['mounted'] * 1000:.0f} ms, rows mounted "
            f"after {cold['rows'] * 1000:.0f} ms",
        )
        report.add(
            f"app start → {n_paint} rows painted, warm (median of {warm_runs})",
            median([w["paint"] for w in warm]) * 1000,
            "ms",
            goal=400,
        )
        report.add(
            f"app start → settled ({n_paint} tasks idle, no worker running), cold",
            cold["settled"],
            "s",
            note=f"engine.stats ran {cold['stats_calls']:.0f} times "
            f"({cold['stats_seconds']:.1f} s summed over worker threads) by then",
        )
        if cold["stale"]:
            print(
                f"      after settling, {cold['stale']:.0f} rows show a status older than the "
                f"one the monitor stored (rows: {cold['row_statuses']})",
                flush=True,
            )
        report.add(
            f"RSS with {n_paint} tasks, settled",
            cold["rss"],
            "MiB",
            goal=90,
            note=f"peak (VmHWM) {cold['hwm']:.0f} MiB; {rss_before:.0f} MiB before the "
            "app started (python + imports + engine)",
        )

        t0 = time.perf_counter()
        create_tasks(engine, n_keys - n_paint, "more")
        print(
            f"\n  (created {n_keys - n_paint} more shell tasks in {time.perf_counter() - t0:.1f}s)",
            flush=True,
        )
        asyncio.run(keys_and_diff(repo, n_keys, presses, diff_tid, diff_runs, report))
    report.emit()


if __name__ == "__main__":
    main()
