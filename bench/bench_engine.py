"""Engine figures over real git and a private tmux server: task creation, monitor CPU, diff, status
latency.

Run: ``.venv/bin/python bench/bench_engine.py [--quick]``. Prints figures; asserts nothing.

1. ``engine.new_task`` wall time in a 10,000-file repository (until it returns: the tmux session
   exists), and until the fake agent shows its prompt; median of 5, with a per-step breakdown.
2. ``engine.diff(tid, stat=True)`` and ``engine.diff(tid)`` for a task with 1,000 changed files.
3. squadron's CPU with 20 idle fake-agent tasks and a ``StatusMonitor`` running in this process:
   this process's CPU (all threads) plus the tmux clients it spawned (RUSAGE_CHILDREN), as % of
   one core, and the tmux server's CPU over the same window (/proc/<pid>/stat).
4. Status latency: ``engine.send(tid, "work 2")`` to an idle agent until the monitor's callback
   reports ``working``; once as the TUI does it (send, then ``monitor.poke()``), once as a
   ``squadron send`` from another process would (no poke) with the monitor quiet (slow ticks).
5. The same CPU figures with the 20 agents working (``work 600``: a spinner redrawn 10×/s).
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import resource
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from _common import (
    Bench,
    Report,
    change_files,
    git,
    isolated,
    make_repo,
    median,
    pct,
    section,
    write_user_config,
)

from squadron.core.status import Status
from squadron.engine.engine import Engine
from squadron.engine.monitor import StatusMonitor, Tick

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_self() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def proc_cpu(pid: int) -> float:
    """utime + stime of ``pid`` in seconds (0 when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def wait_for(
    predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.02
) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            print(f"  (gave up after {timeout:g}s waiting for {what})", flush=True)
            return False
        time.sleep(interval)
    return True


class Recorder:
    """The monitor callback: remembers when each task was reported in each status."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.status: dict[str, Status] = {}
        self.events: list[tuple[float, str, Status]] = []
        self.last_change = time.monotonic()
        self.updates = 0

    def __call__(self, tick: Tick) -> None:
        now = time.monotonic()
        if tick.tasks is None:
            return
        by_id = {t.id: t for t in tick.tasks}
        with self.lock:
            self.updates += 1
            for tid in tick.changed:
                task = by_id.get(tid)
                if task is not None:
                    self.status[tid] = task.status
                    self.events.append((now, tid, task.status))
                    self.last_change = now
            for tid, task in by_id.items():
                self.status.setdefault(tid, task.status)

    def first(self, tid: str, status: Status, after: float) -> float | None:
        with self.lock:
            for at, t, s in self.events:
                if at >= after and t == tid and s == status:
                    return at
        return None

    def is_status(self, tid: str, status: Status) -> bool:
        with self.lock:
            return self.status.get(tid) == status

    def all_in(self, ids: list[str], status: Status) -> bool:
        with self.lock:
            return all(self.status.get(t) == status for t in ids)


# -- 1. creating tasks ---------------------------------------------------------------------------


def wrap_timers(engine: Engine, buckets: dict[str, float]) -> None:
    """Time the steps ``new_task`` makes, by wrapping them on this engine's objects."""
    targets = [
        (engine.repo, ("current_branch", "branch_exists", "unique_branch", "add_worktree")),
        (engine.store, ("allocate_number", "create")),
        (engine.tmux, ("new_session",)),
    ]
    for obj, names in targets:
        for name in names:
            original = getattr(obj, name)

            def timed(
                *a: object, _o: Callable[..., object] = original, _n: str = name, **k: object
            ) -> object:
                start = time.perf_counter()
                try:
                    return _o(*a, **k)
                finally:
                    buckets[_n] += time.perf_counter() - start

            setattr(obj, name, timed)


def bench_new_task(bench: Bench, report: Report, files: int, runs: int, changed: int) -> None:
    section(f"creating a task in a {files:,}-file repository (fake agent)")
    start = time.perf_counter()
    repo = make_repo(bench.root / "big" / "proj", files)
    print(f"  (built the repository in {time.perf_counter() - start:.1f}s)", flush=True)
    engine = Engine.open(repo)
    buckets: dict[str, float] = collections.defaultdict(float)
    wrap_timers(engine, buckets)
    created, ready_times, per_step, baseline = [], [], [], []
    tids = []
    for i in range(runs + 1):
        if i > 0:
            # The floor under the same conditions: a plain `git worktree add` of this repo.
            b0 = time.perf_counter()
            git(
                repo,
                "worktree",
                "add",
                "-q",
                "-b",
                f"baseline-{i}",
                str(bench.root / "big" / f"baseline-{i}"),
                "main",
            )
            baseline.append(time.perf_counter() - b0)
        buckets.clear()
        t0 = time.perf_counter()
        task = engine.new_task(f"bench task {i}", agent="fake")
        t1 = time.perf_counter()
        ok, _snap = engine.wait_ready(task, 30)
        t2 = time.perf_counter()
        tids.append(task.id)
        if i == 0:
            report.add(
                "new_task, cold (first: also starts the tmux server)",
                (t1 - t0) * 1000,
                "ms",
                note="steps, ms: "
                + ", ".join(
                    f"{k} {v * 1000:.0f}" for k, v in sorted(buckets.items(), key=lambda kv: -kv[1])
                ),
            )
            continue
        created.append(t1 - t0)
        if ok:
            ready_times.append(t2 - t0)
        per_step.append({**buckets, "total": t1 - t0})
    slowest = max(per_step, key=lambda p: p["total"])
    report.add(
        f"new_task in a {files:,}-file repo, median of {runs}",
        median(created) * 1000,
        "ms",
        goal=400,
        note="runs, ms: "
        + ", ".join(f"{c * 1000:.0f}" for c in created)
        + "; ends when the tmux session exists; slowest run's add_worktree "
        f"{slowest.get('add_worktree', 0) * 1000:.0f} ms",
    )
    report.add(
        f"  floor: plain `git worktree add` of the same repo, median of {runs}",
        median(baseline) * 1000,
        "ms",
        note="runs, ms: "
        + ", ".join(f"{c * 1000:.0f}" for c in baseline)
        + "; run just before each new_task, so both meet the same disk and page cache",
    )
    # Everything new_task does besides `git worktree add`, measured inside the same call (the
    # checkout's cost swings with the disk and page cache; this part does not).
    own = [p["total"] - p.get("add_worktree", 0.0) for p in per_step]
    report.add(
        "  new_task minus its own add_worktree step (squadron's share), median",
        median(own) * 1000,
        "ms",
        note="runs, ms: " + ", ".join(f"{c * 1000:.0f}" for c in own),
    )
    report.add(
        f"new_task + fake agent shows its prompt, median of {runs}",
        median(ready_times) * 1000,
        "ms",
        note="ready polled every 50 ms with engine.wait_ready",
    )
    steps = [
        "add_worktree",
        "new_session",
        "allocate_number",
        "create",
        "unique_branch",
        "current_branch",
        "branch_exists",
    ]
    parts = []
    for step in steps:
        parts.append(f"{step} {median([p.get(step, 0.0) for p in per_step]) * 1000:.0f}")
    rest = median([p["total"] - sum(v for k, v in p.items() if k != "total") for p in per_step])
    print(
        "      breakdown, median ms: " + ", ".join(parts) + f", other {rest * 1000:.0f}", flush=True
    )
    for tid in tids:
        engine.tmux.kill_session(engine.get(tid).session, grace=0.2)
    bench_diff(engine, tids[1], report, changed, runs)


# -- 2. diff -------------------------------------------------------------------------------------


def bench_diff(engine: Engine, tid: str, report: Report, changed: int, runs: int) -> None:
    new = changed // 20
    section(f"diff of a task with {changed:,} changed files ({changed - new} edited, {new} new)")
    task = engine.get(tid)
    worktree = Path(task.worktree)
    change_files(worktree, changed, new=new)
    stat_text = engine.diff(tid, stat=True)
    print(
        f"  (--stat output: {len(stat_text.splitlines())} lines; "
        f"last: {stat_text.strip().splitlines()[-1].strip()})",
        flush=True,
    )

    def timeit(call: Callable[[], object]) -> list[float]:
        out = []
        for _ in range(runs):
            t0 = time.perf_counter()
            call()
            out.append(time.perf_counter() - t0)
        return out

    stat = timeit(lambda: engine.diff(tid, stat=True))
    full_text = engine.diff(tid)
    full = timeit(lambda: engine.diff(tid))
    snap = timeit(lambda: engine.repo._worktree_tree(worktree.absolute()))
    stats = timeit(lambda: engine.stats(engine.get(tid)))
    report.add(
        f"engine.diff(stat=True), {changed:,} files, median of {runs}", median(stat) * 1000, "ms"
    )
    report.add(
        f"engine.diff() full ({len(full_text) / 1e6:.1f} MB, "
        f"{full_text.count(chr(10)):,} lines), median of {runs}",
        median(full) * 1000,
        "ms",
    )
    report.add(
        "  of which the worktree snapshot (temp index add -A + write-tree)",
        median(snap) * 1000,
        "ms",
        note=f"the worktree has {sum(1 for _ in (worktree / 'src').rglob('*.py')):,} tracked files",
    )
    report.add(
        "engine.stats() (numstat, what the sidebar's +/- costs per task)",
        median(stats) * 1000,
        "ms",
    )


# -- 3-5. monitor CPU and latency ----------------------------------------------------------------


def server_pid(bench: Bench) -> int:
    out = bench.tmux("display-message", "-p", "#{pid}").strip()
    return int(out) if out.isdigit() else 0


def agent_pids(bench: Bench, sessions: set[str]) -> list[int]:
    out = bench.tmux("list-panes", "-a", "-F", "#{session_name} #{pane_pid}")
    pids = []
    for line in out.splitlines():
        name, _, pid = line.partition(" ")
        if name in sessions and pid.isdigit():
            pids.append(int(pid))
    return pids


def measure_cpu(
    bench: Bench,
    report: Report,
    monitor: StatusMonitor,
    seconds: float,
    label: str,
    goals: tuple[float, ...],
    agents: list[int],
) -> None:
    spid = server_pid(bench)
    ticks0 = monitor.ticks
    s0, c0, v0 = cpu_self(), cpu_children(), proc_cpu(spid)
    a0 = sum(proc_cpu(p) for p in agents)
    w0 = time.monotonic()
    time.sleep(seconds)
    wall = time.monotonic() - w0
    s1, c1, v1 = cpu_self(), cpu_children(), proc_cpu(spid)
    a1 = sum(proc_cpu(p) for p in agents)
    ticks = monitor.ticks - ticks0
    own, kids, server = s1 - s0, c1 - c0, v1 - v0
    goal = goals[0] if goals else None
    note = (
        f"this process {own / wall * 100:.2f}% + tmux clients {kids / wall * 100:.2f}%; "
        f"{ticks} ticks in {wall:.0f}s ({ticks / wall:.1f}/s, "
        f"{(own + kids) / max(ticks, 1) * 1000:.1f} ms CPU per tick)"
    )
    if len(goals) > 1:
        note += f"; issue 4 goal ≤ {goals[1]:g}%: " + (
            "within goal" if (own + kids) / wall * 100 <= goals[1] else "OVER GOAL"
        )
    report.add(
        f"squadron CPU, {label} (monitor + tmux clients)",
        (own + kids) / wall * 100,
        "% core",
        goal=goal,
        note=note,
    )
    report.add(f"tmux server CPU, {label}", server / wall * 100, "% core")
    report.add(
        f"  the agents themselves, {label} (not squadron; context)",
        (a1 - a0) / wall * 100,
        "% core",
    )


def latency_series(
    engine: Engine,
    monitor: StatusMonitor,
    rec: Recorder,
    ids: list[str],
    samples: int,
    poke: bool,
    quiet: bool,
) -> tuple[list[float], list[float]]:
    """Send ``work 2`` to idle tasks in turn; seconds from send to ``working`` reported."""
    latencies, send_times = [], []
    rng = random.Random(7)
    for i in range(samples):
        tid = ids[i % len(ids)]
        if quiet:
            # Every agent idle and no screen change for a while: the monitor is on slow ticks.
            wait_for(lambda: rec.all_in(ids, Status.IDLE), 30, "all idle")
            wait_for(lambda: time.monotonic() - rec.last_change > 3.5, 30, "a quiet monitor")
        else:
            wait_for(partial(rec.is_status, tid, Status.IDLE), 30, f"{tid} idle")
        time.sleep(rng.uniform(0.2, 0.8))  # decorrelate from the tick phase
        t0 = time.monotonic()
        engine.send(tid, "work 2")
        sent = time.monotonic()
        if poke:
            monitor.poke()
        if wait_for(partial(rec.first, tid, Status.WORKING, t0), 10, f"{tid} working"):
            seen = rec.first(tid, Status.WORKING, t0)
            if seen is not None:
                latencies.append(seen - t0)
                send_times.append(sent - t0)
    return latencies, send_times


def bench_monitor(
    bench: Bench, report: Report, n_tasks: int, window: float, poked: int, quiet: int
) -> None:
    repo = make_repo(bench.root / "small" / "proj", 20)
    engine = Engine.open(repo)
    section(f"{n_tasks} fake-agent tasks with a StatusMonitor in this process")
    t0 = time.perf_counter()
    tasks = [engine.new_task(f"idle agent {i}", agent="fake") for i in range(n_tasks)]
    ids = [t.id for t in tasks]
    for task in tasks:
        engine.wait_ready(task, 30)
    print(
        f"  (created {n_tasks} tasks and saw their prompts in {time.perf_counter() - t0:.1f}s)",
        flush=True,
    )
    rec = Recorder()
    monitor = StatusMonitor(engine, on_update=rec)
    started = time.monotonic()
    monitor.start()
    try:
        wait_for(lambda: rec.all_in(ids, Status.IDLE), 60, "all tasks idle")
        print(
            f"  (monitor reported all {n_tasks} idle after {time.monotonic() - started:.1f}s)",
            flush=True,
        )
        wait_for(lambda: time.monotonic() - rec.last_change > 4.0, 30, "a quiet monitor")
        pids = agent_pids(bench, {t.session for t in tasks})
        measure_cpu(
            bench, report, monitor, window, f"{n_tasks} idle tasks, {window:g}s", (0.5, 1.0), pids
        )

        section("status latency: engine.send(tid, 'work 2') → monitor reports working")
        pool = ids[: min(8, len(ids))]
        lat, sends = latency_series(engine, monitor, rec, pool, poked, poke=True, quiet=False)
        report.add(
            f"send → working reported, p50 ({len(lat)} sends, then poke as the TUI)",
            pct(lat, 0.5) * 1000,
            "ms",
        )
        report.add(
            "send → working reported, p95 (same)",
            pct(lat, 0.95) * 1000,
            "ms",
            goal=250,
            note=f"max {max(lat, default=float('nan')) * 1000:.0f} ms; "
            f"engine.send itself takes {median(sends) * 1000:.0f} ms (median); "
            f"{len(pool)} tasks in turn, the monitor mostly on fast ticks",
        )
        lat_q, _ = latency_series(engine, monitor, rec, pool, quiet, poke=False, quiet=True)
        report.add(
            f"send → working, no poke, quiet monitor, p50 ({len(lat_q)} sends)",
            pct(lat_q, 0.5) * 1000,
            "ms",
            note="like `squadron send` from another process while every task is idle: "
            "the monitor is on 1 s ticks and woken by the task-file watcher",
        )
        report.add(
            "send → working, no poke, quiet monitor, max",
            max(lat_q, default=float("nan")) * 1000,
            "ms",
            goal=250,
        )

        section(f"{n_tasks} working tasks (each fake agent told `work 600`)")
        wait_for(lambda: rec.all_in(ids, Status.IDLE), 30, "all idle")
        for tid in ids:
            engine.send(tid, "work 600")
        wait_for(lambda: rec.all_in(ids, Status.WORKING), 30, "all working")
        time.sleep(3)
        measure_cpu(
            bench, report, monitor, window, f"{n_tasks} working tasks, {window:g}s", (5.0,), pids
        )
    finally:
        monitor.stop()
    if engine.problems:
        print(f"  (engine problems: {engine.problems[:3]})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, short windows")
    args = parser.parse_args()
    quick = args.quick
    report = Report("bench_engine")
    print(
        f"bench_engine{' --quick' if quick else ''}: python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores",
        flush=True,
    )
    with isolated("engine") as bench:
        write_user_config('default_agent = "fake"\n')
        if quick:
            bench_new_task(bench, report, files=2_000, runs=3, changed=200)
            bench_monitor(bench, report, n_tasks=10, window=10, poked=6, quiet=2)
        else:
            bench_new_task(bench, report, files=10_000, runs=5, changed=1_000)
            bench_monitor(bench, report, n_tasks=20, window=60, poked=20, quiet=5)
    report.emit()


if __name__ == "__main__":
    main()
