"""The status monitor on real tmux with the fake agent: transitions, hooks, auto-approve."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from squadron.core.status import Provenance, Status
from squadron.core.task import Mode
from squadron.engine.engine import Engine
from squadron.engine.monitor import StatusMonitor
from tests.conftest import FAKE_AGENT, wait_until
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
    return Engine.open(repo)


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


def run_for(monitor: StatusMonitor, seconds: float) -> None:
    """Tick the monitor for a while (longer than the auto-approve delay)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        monitor.tick()
        time.sleep(0.1)


def history(engine: Engine, tid: str, kind: str) -> list[str]:
    return [h.detail for h in engine.get(tid).history if h.kind == kind]


def test_each_transition(engine: Engine, monitor: StatusMonitor) -> None:
    tid = engine.new_task("t", agent="fake").id
    assert status_of(monitor, tid)[0] in (Status.STARTING, Status.IDLE)
    reach(monitor, tid, Status.IDLE)
    engine.send(tid, "work 2")
    reach(monitor, tid, Status.WORKING)
    assert engine.get(tid).provenance == Provenance.SCREEN
    reach(monitor, tid, Status.IDLE)
    engine.send(tid, "ask Proceed with the plan?")
    reach(monitor, tid, Status.WAITING)
    engine.tmux.send_keys(engine.get(tid).session, "y")
    reach(monitor, tid, Status.IDLE)
    engine.send(tid, "exit 4")
    reach(monitor, tid, Status.EXITED)
    assert engine.get(tid).exit_code == 4
    assert engine.get(tid).provenance == Provenance.PROCESS
    engine.tmux.kill_session(engine.get(tid).session)
    reach(monitor, tid, Status.LOST)
    statuses = iter(d.split()[0] for d in history(engine, tid, "status"))
    expected = ["idle", "working", "idle", "waiting", "idle", "exited", "lost"]
    assert all(step in statuses for step in expected)  # in this order, as recorded


def test_ready_before_typing_waits_for_the_prompt(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("FAKE_AGENT_LOG", str(log))
    task = engine.new_task(
        "slow",
        prompt="write slow.txt ok",
        agent="fake",
        command=f"{sys.executable} {FAKE_AGENT} --start-delay 2",
    )
    delivery = engine.deliver_prompt(task.id, timeout=10)
    assert delivery.delivered and not delivery.message
    wait_until(lambda: log.exists() and log.read_text().strip(), message="prompt")
    assert json.loads(log.read_text().splitlines()[0]) == "write slow.txt ok"


def test_startup_question_holds_the_prompt_until_answered(
    engine: Engine, monitor: StatusMonitor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("FAKE_AGENT_LOG", str(log))
    task = engine.new_task(
        "gate",
        prompt="write gate.txt ok",
        agent="fake",
        command=f"{sys.executable} {FAKE_AGENT} --trust",
    )
    delivery = engine.deliver_prompt(task.id, timeout=2)
    assert not delivery.delivered and "asking a question" in delivery.message
    reach(monitor, task.id, Status.WAITING)
    assert not log.exists()
    engine.tmux.send_keys(task.session, "y")  # the human answers the trust question
    wait_until(lambda: (monitor.tick(), log.exists())[1], message="prompt typed by monitor")
    assert json.loads(log.read_text().splitlines()[0]) == "write gate.txt ok"
    assert engine.get(task.id).prompt_delivered


def test_hooks_report_status_per_task(engine: Engine, monitor: StatusMonitor) -> None:
    task = engine.new_task("hooked", agent="hooked")
    settings = engine.store.root / "hooks" / f"{task.id}.claude.json"
    assert "--settings" in task.command or settings.exists()
    reach(monitor, task.id, Status.IDLE)
    engine.send(task.id, "work 3")
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


def test_hook_fires_nowhere_else(engine: Engine) -> None:
    """The hook writes to $SQUADRON_EVENTS, set only inside the task's session."""
    from squadron.engine.hooks import claude_settings

    command = claude_settings()["hooks"]["Stop"][0]["hooks"][0]["command"]  # type: ignore[index]
    assert "$SQUADRON_EVENTS" in command
    assert str(engine.repo.common_dir) not in command


@pytest.mark.parametrize(
    ("policy", "question", "answered"),
    [
        ("all", "ask Run rm -rf build?", True),
        ("safe", "ask Allow edit to app.py?", True),
        ("safe", "ask Run rm -rf build?", False),
        ("off", "ask Allow edit to app.py?", False),
    ],
)
def test_auto_approve_policies(
    engine: Engine, monitor: StatusMonitor, policy: str, question: str, answered: bool
) -> None:
    tid = engine.new_task("auto", agent="careful", auto_approve=policy).id
    reach(monitor, tid, Status.IDLE)
    engine.send(tid, f"{question};; write after.txt done")
    worktree = Path(engine.get(tid).worktree)
    if answered:
        wait_until(
            lambda: (monitor.tick(), (worktree / "after.txt").exists())[1],
            message="question answered",
        )
        approvals = history(engine, tid, "approve")
        assert len(approvals) == 1 and policy in approvals[0]
    else:
        reach(monitor, tid, Status.WAITING)
        run_for(monitor, 2.0)
        assert not (worktree / "after.txt").exists()
        assert history(engine, tid, "approve") == []


def test_no_auto_approve_in_conductor_mode(engine: Engine, monitor: StatusMonitor) -> None:
    tid = engine.new_task("driven", agent="fake", auto_approve="all").id
    reach(monitor, tid, Status.IDLE)
    engine.send(tid, "ask Proceed?;; write after.txt done")
    engine.set_mode(tid, Mode.CONDUCTOR)
    reach(monitor, tid, Status.WAITING)
    run_for(monitor, 2.0)
    assert not (Path(engine.get(tid).worktree) / "after.txt").exists()
    assert history(engine, tid, "approve") == []


def test_typed_input_cancels_a_pending_answer(engine: Engine, monitor: StatusMonitor) -> None:
    tid = engine.new_task("typed", agent="fake", auto_approve="all").id
    reach(monitor, tid, Status.IDLE)
    engine.send(tid, "ask Proceed?;; write after.txt done")
    reach(monitor, tid, Status.WAITING)  # first waiting tick arms the pending answer
    engine.tmux.send_keys(engine.get(tid).session, "x")  # a human types at the question
    run_for(monitor, 2.0)
    assert history(engine, tid, "approve") == []
    assert not (Path(engine.get(tid).worktree) / "after.txt").exists()


def test_shell_task_running_an_agent_is_read_with_its_preset(
    engine: Engine, monitor: StatusMonitor, tmp_path: Path
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "opencode").symlink_to(sys.executable)  # the pane's program reads "opencode"
    tid = engine.new_task("shell", agent="shell").id
    reach(monitor, tid, Status.IDLE)
    engine.send(tid, f"{bin_dir / 'opencode'} -c 'import time; time.sleep(30)'")
    wait_until(
        lambda: (monitor.tick(), monitor._watches[tid].tracker.preset.name)[1] == "opencode",
        message="opencode preset while it runs",
    )
    engine.tmux.send_keys(engine.get(tid).session, "C-c")
    wait_until(
        lambda: (monitor.tick(), monitor._watches[tid].tracker.preset.name)[1] == "shell",
        message="back to the shell preset",
    )
