"""Engine figures over real git and a private tmux server: task creation and diffs.

Run: ``.venv/bin/python bench/bench_engine.py [--quick]``. Prints figures; asserts nothing.

1. ``engine.new_task`` wall time in a 10,000-file repository (until it returns: the tmux session
   exists), and until the fake agent shows its prompt; median of 5, with a per-step breakdown.
2. ``engine.diff(tid, stat=True)`` and ``engine.diff(tid)`` for a task with 1,000 changed files.

Status latency and the supervisor's CPU are measured by ``bench_supervisor.py``.
"""

from __future__ import annotations

import argparse
import collections
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

from _common import (
    Bench,
    Report,
    change_files,
    git,
    isolated,
    make_repo,
    median,
    section,
    write_user_config,
)

from squadron.engine.engine import Engine

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


# -- 1. creating tasks ---------------------------------------------------------------------------


def wrap_timers(engine: Engine, buckets: dict[str, float]) -> None:
    """Time the steps ``new_task`` makes, by wrapping them on this engine's objects."""
    targets = [
        (engine.repo, ("current_branch", "branch_exists", "unique_branch", "add_worktree")),
        (engine.store, ("create_new",)),
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
        ok = wait_for(
            lambda t=task: engine.tmux.capture(t.session).rstrip().endswith(">"), 30, "prompt"
        )
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
        note="the prompt polled every 20 ms",
    )
    steps = [
        "add_worktree",
        "new_session",
        "create_new",
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
        else:
            bench_new_task(bench, report, files=10_000, runs=5, changed=1_000)
    report.emit()


if __name__ == "__main__":
    main()
