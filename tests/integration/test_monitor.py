"""The status monitor (the supervisor's eyes) on real tmux with the fake agent: transitions,
frames redrawn in place, hooks, one bad task among good ones. No supervisor runs here: the
tests tick the monitor themselves and type into panes directly."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from squadron.core.status import Provenance, Status
from squadron.engine.engine import Engine
from squadron.engine.monitor import StatusMonitor
from tests.conftest import wait_until
from tests.integration.helpers import write_user_config

HOOKED = """
[agents.hooked]
extends = "fake"
hooks = "claude"

[agents.careful]
extends = "fake"
safe_approve = ['Allow edit to \\S+\\? \\(y/n\\)']
"""


@pytest.fixture
def engine(repo: Path) -> Engine:
    write_user_config()
    path = Path(write_user_config())
    path.write_text(path.read_text() + HOOKED, encoding="utf-8")
    engine = Engine.open(repo)
    engine.supervised = False  # these tests tick the monitor themselves
    return engine


@pytest.fixture
def monitor(engine: Engine) -> StatusMonitor:
    return StatusMonitor(engine)


def status_of(monitor: StatusMonitor, tid: str) -> tuple[Status, Provenance]:
    monitor.tick()
    task = monitor.engine.get(tid)
    return task.status, task.provenance


def reach(monitor: StatusMonitor, tid: str, status: Status, timeout: float = 10) -> None:
    wait_until(
        lambda: status_of(monitor, tid)[0] == status, timeout=timeout, message=f"{tid} {status}"
    )


def type_in(engine: Engine, tid: str, text: str) -> None:
    """What a person at the pane would type (the supervisor is not running here)."""
    session = engine.get(tid).session
    engine.tmux.send_text(session, text)
    time.sleep(0.1)
    engine.tmux.send_keys(session, "Enter")


def history(engine: Engine, tid: str, kind: str) -> list[str]:
    return [h.detail for h in engine.get(tid).history if h.kind == kind]


def test_each_transition(engine: Engine, monitor: StatusMonitor) -> None:
    tid = engine.new_task("t", agent="fake").id
    assert status_of(monitor, tid)[0] in (Status.STARTING, Status.IDLE)
    reach(monitor, tid, Status.IDLE)
    type_in(engine, tid, "work 2")
    reach(monitor, tid, Status.WORKING)
    assert engine.get(tid).provenance == Provenance.SCREEN
    reach(monitor, tid, Status.IDLE)
    type_in(engine, tid, "ask Proceed with the plan?")
    reach(monitor, tid, Status.WAITING)
    assert engine.get(tid).question == "Proceed with the plan? (y/n)"
    engine.tmux.send_keys(engine.get(tid).session, "y")
    reach(monitor, tid, Status.IDLE)
    assert engine.get(tid).question == ""
    type_in(engine, tid, "exit 4")
    reach(monitor, tid, Status.EXITED)
    # tmux may collect the exit status a moment after it saw the pane die
    wait_until(lambda: (monitor.tick(), engine.get(tid).exit_code)[1] == 4, 5, message="code")
    assert engine.get(tid).provenance == Provenance.PROCESS
    engine.tmux.kill_session(engine.get(tid).session)
    reach(monitor, tid, Status.LOST)
    statuses = iter(d.split()[0] for d in history(engine, tid, "status"))
    expected = ["idle", "working", "idle", "waiting", "idle", "exited", "lost"]
    assert all(step in statuses for step in expected)  # in this order, as recorded


def test_a_frame_redrawn_in_place_in_the_same_second_is_read(
    engine: Engine, monitor: StatusMonitor
) -> None:
    """OpenCode redraws in place: the last frame keeps the cursor, the title and the history
    size, and can come in the same second as the one before. It must still be read."""
    tid = engine.new_task("flip", agent="fake").id
    reach(monitor, tid, Status.IDLE)
    type_in(engine, tid, "flip 0.3")
    reach(monitor, tid, Status.WORKING)
    reach(monitor, tid, Status.IDLE, timeout=3)
    assert "⠿ Done" in engine.get(tid).last_screen


def test_a_recognised_idle_screen_is_recorded_at_once(
    engine: Engine, monitor: StatusMonitor
) -> None:
    """No settle time for a screen the preset recognises: idle within a fraction of a second
    of the frame (the activity settle is for activity-only agents)."""
    tid = engine.new_task("quick", agent="fake").id
    reach(monitor, tid, Status.IDLE)
    type_in(engine, tid, "work 1")
    reach(monitor, tid, Status.WORKING)
    screen = lambda: engine.tmux.capture(engine.get(tid).session)  # noqa: E731
    wait_until(lambda: "Working" not in screen() and screen().rstrip().endswith(">"), 5)
    seen_at = time.monotonic()
    reach(monitor, tid, Status.IDLE, timeout=3)
    assert time.monotonic() - seen_at < 1.0  # well under the old 1.5 s settle; bench measures


def test_hooks_report_status_per_task(engine: Engine, monitor: StatusMonitor) -> None:
    task = engine.new_task("hooked", agent="hooked")
    settings = engine.store.root / "hooks" / f"{task.id}.claude.json"
    assert "--settings" in task.command or settings.exists()
    reach(monitor, task.id, Status.IDLE)
    type_in(engine, task.id, "work 3")
    wait_until(
        lambda: status_of(monitor, task.id) == (Status.WORKING, Provenance.HOOK),
        message="working from the hook",
    )
    wait_until(
        lambda: status_of(monitor, task.id) == (Status.IDLE, Provenance.HOOK),
        message="idle from the Stop hook",
    )
    events = engine.store.events_path(task.id).read_text().split()
    assert "UserPromptSubmit" in events and "Stop" in events


def test_a_new_monitor_keeps_recorded_statuses(engine: Engine, monitor: StatusMonitor) -> None:
    """Reopening squadron (a new supervisor) keeps each status, its age and its history."""
    tid = engine.new_task("steady", agent="hooked").id
    reach(monitor, tid, Status.IDLE)
    type_in(engine, tid, "work 0.5")
    reach(monitor, tid, Status.WORKING)
    reach(monitor, tid, Status.IDLE)
    before = engine.get(tid)
    fresh = StatusMonitor(engine)
    for _ in range(30):
        fresh.tick()
        time.sleep(0.05)
    after = engine.get(tid)
    assert (after.status, after.provenance, after.status_since) == (
        before.status,
        before.provenance,
        before.status_since,
    )
    assert len(after.history) == len(before.history)


def test_hook_fires_nowhere_else(engine: Engine) -> None:
    """The hook writes to $SQUADRON_EVENTS, set only inside the task's session."""
    from squadron.engine.hooks import claude_settings

    command = claude_settings()["hooks"]["Stop"][0]["hooks"][0]["command"]  # type: ignore[index]
    assert "$SQUADRON_EVENTS" in command
    assert str(engine.repo.common_dir) not in command


def test_one_bad_task_does_not_stop_the_others(
    engine: Engine, monitor: StatusMonitor, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = engine.new_task("good", agent="fake").id
    bad = engine.new_task("bad", agent="fake").id
    reach(monitor, good, Status.IDLE)
    reach(monitor, bad, Status.IDLE)
    original = monitor._record

    def broken(task, *args, **kw):  # type: ignore[no-untyped-def]
        if task.id == bad:
            raise UnicodeEncodeError("utf-8", "\udce9", 0, 1, "surrogates not allowed")
        return original(task, *args, **kw)

    monkeypatch.setattr(monitor, "_record", broken)
    type_in(engine, good, "work 1")
    reach(monitor, good, Status.WORKING)
    reach(monitor, good, Status.IDLE)
    assert "UnicodeEncodeError" in engine.get(bad).problem
    assert engine.get(good).problem == ""


def test_shell_task_running_an_agent_is_read_with_its_preset(
    engine: Engine, monitor: StatusMonitor, tmp_path: Path
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "opencode").symlink_to(sys.executable)  # the pane's program reads "opencode"
    tid = engine.new_task("shell", agent="shell").id
    reach(monitor, tid, Status.IDLE)
    type_in(engine, tid, f"{bin_dir / 'opencode'} -c 'import time; time.sleep(30)'")
    wait_until(
        lambda: (monitor.tick(), monitor._watches[tid].tracker.preset.name)[1] == "opencode",
        message="opencode preset while it runs",
    )
    engine.tmux.send_keys(engine.get(tid).session, "C-c")
    wait_until(
        lambda: (monitor.tick(), monitor._watches[tid].tracker.preset.name)[1] == "shell",
        message="back to the shell preset",
    )
