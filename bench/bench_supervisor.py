"""Supervisor figures over real git, a private tmux server and the fake agent. Asserts nothing.

Run: ``.venv/bin/python bench/bench_supervisor.py [--quick]``.

1. How squadron reads tmux: the CPU of one ``list-panes -a`` and of reading 20 panes (facts and
   screens), with a ``tmux`` process per call and through the supervisor's one control-mode
   connection; and what following every pane's ``%output`` through control mode costs. The
   supervisor's design (control-mode commands, panes read while their output may have changed)
   was picked from these figures.
2. Status latency per signal source, from the moment the fake agent drew a frame (or fired a
   hook; it notes the wall-clock time in $FAKE_AGENT_FRAMES) to the status recorded in the task
   file (what ``squadron ls`` and the TUI read): screen (working, waiting, idle), hook (working,
   idle), process (exited) and activity (an agent with no screen patterns going idle).
3. The supervisor's CPU (its process and its children) with 20 idle tasks, then 20 busy ones
   (a spinner redrawn 10×/s), and the tmux server's over the same window.
4. ``squadron ls`` (and ``ls --json``) with 100 tasks, as a user runs it (a new process).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import select
import subprocess
import sys
import time
from pathlib import Path

from _common import Bench, Report, isolated, make_repo, median, pct, section, write_user_config

from squadron.adapters.tmux import TmuxServer
from squadron.core.status import Status
from squadron.engine import supervision
from squadron.engine.engine import Engine

CLK_TCK = os.sysconf("SC_CLK_TCK")
PRESETS = """
[agents.hooked]
extends = "fake"
hooks = "claude"

[agents.plain]
extends = "shell"
command = [{python}, {agent}]
programs = ["python3", "python"]
idle_programs = []
"""


def proc_cpu(pid: int, children: bool = False) -> float:
    """utime + stime (and the reaped children's, when asked) of ``pid``, in seconds."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(")") + 2 :].split()
    used = int(fields[11]) + int(fields[12])
    if children:
        used += int(fields[13]) + int(fields[14])
    return used / CLK_TCK


def child_pids(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def self_cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def wait_for(predicate: object, timeout: float, what: str) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            print(f"  (gave up after {timeout:g}s waiting for {what})", flush=True)
            return False
        time.sleep(0.02)
    return True


# -- 1. reading tmux ---------------------------------------------------------------------------


def bench_tmux_io(bench: Bench, report: Report, engine: Engine, ids: list[str], calls: int) -> None:
    section(f"reading tmux: a process per call vs one control-mode connection ({len(ids)} panes)")
    server_pid = int(bench.tmux("display-message", "-p", "#{pid}").strip() or 0)
    panes = [engine.get(t).session for t in ids]
    hub = supervision.session_of(engine)
    for control in (False, True):
        tmux = TmuxServer(engine.tmux.socket, engine.tmux.config_path)
        how = "control mode" if control else "a tmux process per call"
        if control:
            tmux.use_control(hub)
            tmux.list_panes()  # connect first
        for what, call in (
            ("list-panes -a", tmux.list_panes),
            (f"read {len(panes)} panes", lambda t=tmux: t.read_panes(panes)),
        ):
            s0, v0, w0 = self_cpu(), proc_cpu(server_pid), time.perf_counter()
            for _ in range(calls):
                call()
            own, server = self_cpu() - s0, proc_cpu(server_pid) - v0
            wall = time.perf_counter() - w0
            report.add(
                f"{what}, {how}: CPU per call",
                (own + server) / calls * 1000,
                "ms",
                note=f"squadron {own / calls * 1000:.2f} ms + tmux server "
                f"{server / calls * 1000:.2f} ms; {wall / calls * 1000:.2f} ms wall; at 10 "
                f"calls/s: {(own + server) / calls * 1000:.1f}% of a core",
            )
        tmux.close_control()


def bench_follow_output(bench: Bench, report: Report, engine: Engine, ids: list[str]) -> None:
    """What following every pane's ``%output`` through control mode would cost (measured
    while the agents are busy)."""
    server_pid = int(bench.tmux("display-message", "-p", "#{pid}").strip() or 0)
    # tmux sends %output only for the windows of the session a control client attaches to,
    # so following every pane means linking every task's window into one session.
    session = "sqbench-follow"
    bench.tmux("new-session", "-d", "-s", session, "sleep 100000")
    for n, tid in enumerate(ids):
        source = f"={engine.get(tid).session}:"
        bench.tmux("link-window", "-d", "-s", source, "-t", f"={session}:{100 + n}")
    proc = subprocess.Popen(
        ["tmux", "-L", bench.socket, "-C", "attach", "-t", f"={session}", "-f", "ignore-size"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    fd, seconds, data, outputs = proc.stdout.fileno(), 10.0, 0, 0
    s0, v0, c0 = self_cpu(), proc_cpu(server_pid), proc_cpu(proc.pid)
    end = time.monotonic() + seconds
    buffer = b""
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            chunk = os.read(fd, 65536)
            data += len(chunk)
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            outputs += sum(1 for line in lines if line.startswith(b"%output"))
    own, server, client = (
        self_cpu() - s0,
        proc_cpu(server_pid) - v0,
        proc_cpu(proc.pid) - c0,
    )
    proc.kill()
    proc.wait()
    bench.tmux("kill-session", "-t", f"={session}")
    report.add(
        f"follow %output of {len(ids)} busy panes: CPU",
        (own + server + client) / seconds * 100,
        "% core",
        note=f"{data / seconds / 1024:.0f} KiB/s, {outputs / seconds:.0f} notifications/s; "
        f"reading {own / seconds * 100:.2f}% + tmux client {client / seconds * 100:.2f}% + "
        f"server {server / seconds * 100:.2f}% (needs every task window linked into one "
        "session, which changes what kill-session and list-panes -a do)",
    )


# -- 2. status latency ------------------------------------------------------------------------


def frames(path: Path) -> list[tuple[float, str]]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        at, _, name = line.partition(" ")
        out.append((float(at), name))
    return out


def recorded_after(
    engine: Engine, tid: str, status: Status, after: float, provenance: str | None = None
) -> float | None:
    """When the first status entry ``status`` (from ``provenance``) after ``after`` was
    recorded in the task's history."""
    for entry in engine.get(tid).history:
        if entry.kind != "status" or entry.at < after:
            continue
        word, _, source = entry.detail.partition(" ")
        if word.rstrip("?") == status.value and (provenance is None or provenance in source):
            return entry.at
    return None


def type_in(engine: Engine, tid: str, text: str) -> None:
    """Type as a person at the pane would (squadron is not asked)."""
    session = engine.get(tid).session
    engine.tmux.send_text(session, text)
    time.sleep(0.1)
    engine.tmux.send_keys(session, "Enter")


def frame_after(path: Path, name: str, after: float) -> float | None:
    return next((at for at, n in frames(path) if n == name and at >= after), None)


def sample(
    engine: Engine,
    path: Path,
    tid: str,
    send: dict[str, object],
    marks: list[tuple[str, Status, str | None]],
    out: dict[str, list[float]],
    rng: random.Random,
    direct: bool = False,
) -> None:
    """Ask squadron to send (``engine.send(tid, **send)``, as `squadron send` does), or with
    ``direct`` type it as a person would; for each (frame name, status, provenance) the latency
    from that frame to the recorded status goes into ``out[frame name (provenance)]``."""
    time.sleep(rng.uniform(0.2, 0.9))  # decorrelate from the supervisor's schedule
    start = time.time()
    if direct:
        type_in(engine, tid, str(send["text"]))
    else:
        engine.send(tid, **send)  # type: ignore[arg-type]
    for name, status, provenance in marks:
        key = f"{name} ({provenance or 'screen'})"
        seen = wait_for(lambda n=name: frame_after(path, n, start) is not None, 20, name)
        drawn = frame_after(path, name, start) if seen else None
        if drawn is None:
            continue
        wait_for(
            lambda s=status, p=provenance, d=drawn: recorded_after(engine, tid, s, d - 1.0, p),
            20,
            f"{tid} recorded {status}",
        )
        at = recorded_after(engine, tid, status, drawn - 1.0, provenance)
        if at is not None:
            out.setdefault(key, []).append(max(0.0, at - drawn))


def bench_latency(bench: Bench, report: Report, engine: Engine, samples: int) -> None:
    section("status latency: frame (or hook) drawn → status recorded in the task file")
    path = Path(os.environ["FAKE_AGENT_FRAMES"])
    rng = random.Random(11)
    out: dict[str, list[float]] = {}
    screen = engine.new_task("screen", agent="fake").id
    hooked = engine.new_task("hooked", agent="hooked").id
    plain = engine.new_task("plain", agent="plain").id
    for tid in (screen, hooked, plain):
        wait_for(lambda t=tid: engine.get(t).status == Status.IDLE, 30, f"{tid} idle")
    for _ in range(samples):
        sample(
            engine,
            path,
            screen,
            {"text": "work 0.6;; ask Proceed?"},
            [("working", Status.WORKING, None), ("waiting", Status.WAITING, None)],
            out,
            rng,
        )
        sample(engine, path, screen, {"keys": ["y"]}, [("idle", Status.IDLE, None)], out, rng)
        sample(
            engine,
            path,
            hooked,
            {"text": "work 0.6"},
            [("hook:UserPromptSubmit", Status.WORKING, "hook"), ("hook:Stop", Status.IDLE, "hook")],
            out,
            rng,
            direct=True,  # through squadron, "working" is known before the hook says it
        )
    for _ in range(max(2, samples // 3)):
        sample(
            engine, path, plain, {"text": "work 0.3"}, [("idle", Status.IDLE, "activity")], out, rng
        )
    for i in range(max(3, samples // 3)):
        tid = engine.new_task(f"ends {i}", agent="fake").id
        wait_for(lambda t=tid: engine.get(t).status == Status.IDLE, 30, f"{tid} idle")
        sample(
            engine, path, tid, {"text": "exit 3"}, [("exited", Status.EXITED, "process")], out, rng
        )
    for key, values in sorted(out.items()):
        screenish = "screen" in key or "hook" in key
        report.add(f"latency {key}, p50 ({len(values)} samples)", pct(values, 0.5) * 1000, "ms")
        report.add(
            f"latency {key}, p95",
            pct(values, 0.95) * 1000,
            "ms",
            goal=250 if screenish else None,
            note=""
            if screenish
            else "activity-only agents wait for output to settle (1.5 s) "
            "by design; process: the pane's death is seen at the next scan",
        )


# -- 3. supervisor CPU --------------------------------------------------------------------------


def measure(
    bench: Bench, report: Report, engine: Engine, label: str, seconds: float, goal: float
) -> None:
    info = supervision.running_info(engine.store)
    if info is None:
        print("  (no supervisor)")
        return
    server_pid = int(bench.tmux("display-message", "-p", "#{pid}").strip() or 0)
    kids = child_pids(info.pid)
    s0 = proc_cpu(info.pid, children=True) + sum(proc_cpu(k) for k in kids)
    v0 = proc_cpu(server_pid)
    time.sleep(seconds)
    kids1 = child_pids(info.pid)
    s1 = proc_cpu(info.pid, children=True) + sum(proc_cpu(k) for k in kids1)
    v1 = proc_cpu(server_pid)
    report.add(
        f"supervisor CPU, {label}",
        (s1 - s0) / seconds * 100,
        "% core",
        goal=goal,
        note=f"its process, its control-mode client and the git/tmux processes it ran; "
        f"tmux server {(v1 - v0) / seconds * 100:.2f}% more ({seconds:g} s window)",
    )


def bench_cpu(bench: Bench, report: Report, engine: Engine, ids: list[str], window: float) -> None:
    section(f"the supervisor with {len(ids)} tasks")
    wait_for(lambda: all(engine.get(t).status == Status.IDLE for t in ids), 60, "all idle")
    time.sleep(12)  # past the 10 s after which a quiet supervisor slows down
    measure(bench, report, engine, f"{len(ids)} idle tasks", window, 0.5)
    for tid in ids:
        type_in(engine, tid, "work 900")
    wait_for(lambda: all(engine.get(t).status == Status.WORKING for t in ids), 60, "all busy")
    time.sleep(3)
    measure(bench, report, engine, f"{len(ids)} busy tasks (spinner 10×/s)", window, 3.0)
    bench_follow_output(bench, report, engine, ids)


# -- 4. ls -------------------------------------------------------------------------------------


def bench_ls(bench: Bench, report: Report, count: int, runs: int) -> None:
    section(f"`squadron ls` with {count} tasks (a new process each time)")
    repo = make_repo(bench.root / "many" / "proj", 10)
    engine = Engine.open(repo)
    for i in range(count):
        engine.new_task(f"task number {i}", agent="shell")
    wait_for(lambda: supervision.is_running(engine.store), 30, "the supervisor")
    wait_for(lambda: all(t.status == Status.IDLE for t in engine.tasks()), 120, "all idle")
    time.sleep(15)  # the supervisor has computed every task's +/- and is quiet
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-m", "squadron", "ls"], cwd=repo, env=env, capture_output=True
    )  # writes the bytecode caches a user's first run writes
    for args in (["ls"], ["ls", "--json"]):
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "squadron", *args], cwd=repo, env=env, capture_output=True
            )
            times.append(time.perf_counter() - t0)
            assert done.returncode == 0, done.stderr
        report.add(
            f"squadron {' '.join(args)}, {count} tasks, median of {runs}",
            median(times) * 1000,
            "ms",
            goal=150,
            note=f"min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms; Python start "
            "and imports included (bytecode cached, as after a first run)",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples, short windows")
    args = parser.parse_args()
    quick = args.quick
    report = Report("bench_supervisor")
    print(f"bench_supervisor{' --quick' if quick else ''}: {os.cpu_count()} cores", flush=True)
    with isolated("supervisor") as bench:
        os.environ["FAKE_AGENT_FRAMES"] = str(bench.root / "frames.log")
        agent = json.dumps(str(Path(__file__).resolve().parents[1] / "tests" / "fake_agent.py"))
        write_user_config()
        config = Path(os.environ["XDG_CONFIG_HOME"]) / "squadron" / "config.toml"
        extra = PRESETS.format(python=json.dumps(sys.executable), agent=agent)
        config.write_text(config.read_text() + extra, encoding="utf-8")
        repo = make_repo(bench.root / "small" / "proj", 20)
        engine = Engine.open(repo)
        n = 10 if quick else 20
        ids = [engine.new_task(f"agent {i}", agent="fake").id for i in range(n)]
        wait_for(lambda: all(engine.get(t).status == Status.IDLE for t in ids), 90, "idle")
        bench_tmux_io(bench, report, engine, ids, 50 if quick else 300)
        bench_latency(bench, report, engine, 6 if quick else 20)
        bench_cpu(bench, report, engine, ids, 10 if quick else 60)
        supervision.stop(engine)
        for tid in ids:
            engine.tmux.kill_session(engine.get(tid).session)
        bench_ls(bench, report, 30 if quick else 100, 5 if quick else 10)
    report.emit()


if __name__ == "__main__":
    main()
