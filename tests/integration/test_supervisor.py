"""The supervisor, a real process on the private tmux server, with the fake agent: verified
delivery, start-up questions left to the user, one writer per pane, auto-approve, alerts and
checks with no TUI, restarts that lose nothing."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from squadron.core.status import Status
from squadron.core.task import Mode, Outgoing
from squadron.engine import supervision
from squadron.engine.engine import Engine
from tests.conftest import FAKE_AGENT, wait_until
from tests.integration.helpers import (
    delivered,
    recorded,
    squadron,
    write_user_config,
)

CAREFUL = """
[agents.careful]
extends = "fake"
safe_approve = ['Allow edit to \\S+\\? \\(y/n\\)']
"""


@pytest.fixture
def engine(repo: Path) -> Engine:
    path = write_user_config()
    path.write_text(path.read_text() + CAREFUL, encoding="utf-8")
    return Engine.open(repo)


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every instruction any fake agent receives, one JSON string per line."""
    path = tmp_path / "received.jsonl"
    monkeypatch.setenv("FAKE_AGENT_LOG", str(path))
    return path


def received(log: Path) -> list[str]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def fake(engine: Engine, flags: str) -> str:
    return f"{sys.executable} {FAKE_AGENT} {flags}"


def history(engine: Engine, tid: str, kind: str) -> list[str]:
    return [h.detail for h in engine.get(tid).history if h.kind == kind]


# -- delivery ---------------------------------------------------------------------------------


def test_prompt_waits_for_a_steady_prompt_and_arrives_once(engine: Engine, log: Path) -> None:
    task = engine.new_task(
        "slow", prompt="write slow.txt ok", agent="fake", command=fake(engine, "--start-delay 2")
    )
    assert task.pending() and not task.prompt_delivered
    done = delivered(engine, task.id)
    assert done.prompt_delivered and received(log) == ["write slow.txt ok"]
    assert "first prompt typed" in history(engine, task.id, "message")
    assert supervision.is_running(engine.store)


def test_a_start_up_question_is_the_users_and_the_prompt_follows_the_answer(
    engine: Engine, log: Path, repo: Path
) -> None:
    """No TUI: the question shows as waiting with its text; nothing is typed into it; once the
    user answers (here with `squadron send --key`), the prompt goes in exactly once."""
    task = engine.new_task(
        "gate",
        prompt="yes, write gate.txt ok",  # a 'y' typed into the question would answer it
        agent="fake",
        command=fake(engine, "--trust"),
        auto_approve="all",  # start-up questions are never auto-approved
    )
    waiting = recorded(engine, task.id, Status.WAITING)
    assert waiting.question == "Do you trust the files in this folder? (y/n)"
    time.sleep(2.5)
    assert received(log) == [] and engine.get(task.id).pending()
    assert engine.get(task.id).pending()[0].note.startswith("the agent asks: Do you trust")
    answer = squadron("send", task.id, "--key", "y", cwd=repo)
    assert answer.returncode == 0, answer.stderr
    delivered(engine, task.id)
    assert received(log) == ["yes, write gate.txt ok"]
    assert history(engine, task.id, "approve") == []


def test_a_question_that_comes_after_the_prompt_is_never_typed_into(
    engine: Engine, log: Path
) -> None:
    """Gemini draws its input box, then its trust dialog 0.6-0.8 s later."""
    task = engine.new_task(
        "late", prompt="yes please", agent="fake", command=fake(engine, "--late-trust 0.8")
    )
    recorded(engine, task.id, Status.WAITING)
    time.sleep(2.0)
    screen = engine.tmux.capture(task.session)
    assert "Do you trust the files in this folder? (y/n)" in screen.strip().splitlines()[-1]
    assert received(log) == []
    engine.tmux.send_keys(task.session, "y")  # the user answers in the pane
    delivered(engine, task.id)
    assert received(log) == ["yes please"]


def test_concurrent_news_beside_a_viewer_each_type_their_prompt_once(
    engine: Engine, repo: Path, log: Path
) -> None:
    """Many `squadron new` at once, a viewer (the TUI's feed) open: one typist per pane."""
    from squadron.engine.feed import TaskFeed

    feed = TaskFeed(Engine.open(repo), on_update=lambda update: None)
    feed.start()
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            runs = list(
                pool.map(
                    lambda n: squadron(
                        "new", f"task {n}", "--agent", "fake", "--prompt", f"prompt {n}", cwd=repo
                    ),
                    range(6),
                )
            )
        assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
        ids = [r.stdout.strip() for r in runs]
        for tid in ids:
            delivered(engine, tid, timeout=40)
        time.sleep(1.0)
        assert sorted(received(log)) == sorted(f"prompt {n}" for n in range(6))
    finally:
        feed.stop()


def test_messages_wait_for_a_busy_agent_and_keys_do_not(
    engine: Engine, log: Path, repo: Path
) -> None:
    tid = engine.new_task("busy", agent="fake", prompt="work 3").id
    recorded(engine, tid, Status.WORKING)
    item = engine.send(tid, "write later.txt after the work")
    time.sleep(1.0)
    assert engine.get(tid).outgoing(item.id).state == "pending"  # type: ignore[union-attr]
    assert "busy" in engine.get(tid).outgoing(item.id).note  # type: ignore[union-attr]
    delivered(engine, tid)
    assert received(log) == ["work 3", "write later.txt after the work"]
    # keys go at once, even to a busy agent: here, a question answered from the CLI
    engine.send(tid, "ask Go on?;; write answered.txt y")
    recorded(engine, tid, Status.WAITING)
    result = squadron("send", tid, "--key", "y", cwd=repo)
    assert result.returncode == 0, result.stderr
    wait_until(lambda: (Path(engine.get(tid).worktree) / "answered.txt").exists())


def test_conductor_mode_holds_messages_until_handback(engine: Engine, log: Path) -> None:
    tid = engine.new_task("driven", agent="fake").id
    recorded(engine, tid, Status.IDLE)
    engine.set_mode(tid, Mode.CONDUCTOR)
    with pytest.raises(Exception, match="conductor mode"):
        engine.send(tid, "write no.txt x")
    engine.set_mode(tid, Mode.UNATTENDED, note="write back.txt after handback")
    delivered(engine, tid)
    assert received(log) == ["write back.txt after handback"]


def test_a_restarted_supervisor_never_types_twice(engine: Engine, log: Path) -> None:
    """Its state is the task files: text already submitted (entered) is not typed again;
    text already in the input box (typing) only gets its Enter."""
    tid = engine.new_task("again", agent="fake", prompt="first").id
    delivered(engine, tid)
    supervision.stop(engine)
    engine.tmux.send_text(engine.get(tid).session, "second")  # typed, no Enter yet

    def add(state: str, text: str) -> None:
        def change(t):  # type: ignore[no-untyped-def]
            t.enqueue(Outgoing(0, "message", text, state=state))

        engine.store.update(tid, change)

    add("entered", "gone through already")
    add("typing", "second")
    engine.supervise()
    delivered(engine, tid)
    time.sleep(0.5)
    assert received(log) == ["first", "second"]


# -- auto-approve -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "question", "answered"),
    [
        ("all", "ask Run rm -rf build?", True),
        ("safe", "ask Allow edit to app.py?", True),
        ("safe", "ask Run rm -rf build?", False),
        ("off", "ask Allow edit to app.py?", False),
    ],
)
def test_auto_approve_policies_with_no_tui(
    engine: Engine, policy: str, question: str, answered: bool
) -> None:
    tid = engine.new_task("auto", agent="careful", auto_approve=policy).id
    recorded(engine, tid, Status.IDLE)
    engine.send(tid, f"{question};; write after.txt done")
    worktree = Path(engine.get(tid).worktree)
    if answered:
        wait_until(lambda: (worktree / "after.txt").exists(), message="question answered")
        approvals = history(engine, tid, "approve")
        assert len(approvals) == 1 and policy in approvals[0]
    else:
        recorded(engine, tid, Status.WAITING)
        time.sleep(2.0)
        assert not (worktree / "after.txt").exists()
        assert history(engine, tid, "approve") == []


def test_no_auto_approve_in_conductor_mode(engine: Engine) -> None:
    tid = engine.new_task("driven", agent="fake", auto_approve="all").id
    recorded(engine, tid, Status.IDLE)
    engine.send(tid, "ask Proceed?;; write after.txt done")
    delivered(engine, tid)
    engine.set_mode(tid, Mode.CONDUCTOR)
    recorded(engine, tid, Status.WAITING)
    time.sleep(2.0)
    assert not (Path(engine.get(tid).worktree) / "after.txt").exists()
    assert history(engine, tid, "approve") == []


def test_typed_input_cancels_a_pending_answer(engine: Engine) -> None:
    tid = engine.new_task("typed", agent="fake", auto_approve="all").id
    recorded(engine, tid, Status.IDLE)
    engine.set_auto_approve(tid, "off")
    engine.send(tid, "ask Proceed?;; write after.txt done")
    recorded(engine, tid, Status.WAITING)
    engine.set_auto_approve(tid, "all")
    engine.tmux.send_keys(engine.get(tid).session, "x")  # a human types at the question
    time.sleep(2.0)
    assert history(engine, tid, "approve") == []
    assert not (Path(engine.get(tid).worktree) / "after.txt").exists()


# -- alerts, checks, stats with no TUI ------------------------------------------------------------


def test_alerts_checks_and_stats_need_no_tui(repo: Path) -> None:
    write_user_config('check = "test -f done.txt"\nauto_check = true\n')
    engine = Engine.open(repo)
    tid = engine.new_task("alone", agent="fake", prompt="ask Shall I?;; write done.txt yes").id
    recorded(engine, tid, Status.WAITING)
    journal = engine.store.alerts_path
    wait_until(lambda: journal.exists() and "waiting for you" in journal.read_text())
    engine.tmux.send_keys(engine.get(tid).session, "y")
    task = wait_until(lambda: (t := engine.get(tid)).check is not None and t, timeout=20)
    assert task.check is not None and task.check.ok  # type: ignore[union-attr]
    assert (engine.get(tid).added, engine.get(tid).removed) == (1, 0)
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    kinds = [(r["kind"], r["status"]) for r in records if r["task"] == tid]
    assert ("alert", "waiting") in kinds and ("escalate", "waiting") in kinds
    wait_until(lambda: "ready for review" in journal.read_text())


# -- one owner ----------------------------------------------------------------------------------


def test_one_supervisor_per_repository(engine: Engine, repo: Path) -> None:
    tid = engine.new_task("owned", agent="fake").id
    recorded(engine, tid, Status.IDLE)
    info = supervision.running_info(engine.store)
    assert info is not None and info.build == supervision.build_id()
    second = squadron("supervise", cwd=repo, timeout=20)
    assert second.returncode == 1
    assert "already running" in second.stderr and str(info.pid) in second.stderr
    status = squadron("supervisor", "status", cwd=repo)
    assert status.returncode == 0 and f"pid {info.pid}" in status.stdout
    stop = squadron("supervisor", "stop", cwd=repo)
    assert stop.returncode == 0 and not supervision.is_running(engine.store)
    listing = squadron("ls", cwd=repo)
    assert "supervisor was not running" in listing.stderr
    wait_until(lambda: supervision.is_running(engine.store), message="ls started it")


def test_an_outdated_supervisor_is_replaced(engine: Engine) -> None:
    engine.new_task("any", agent="fake")
    wait_until(lambda: supervision.running_info(engine.store) is not None)
    old = supervision.running_info(engine.store)
    assert old is not None
    data = json.loads(engine.store.supervisor_info.read_text())
    data["build"] = "an-older-build"
    engine.store.supervisor_info.write_text(json.dumps(data))
    assert "replaced" in engine.supervise()

    def replaced() -> bool:
        info = supervision.running_info(engine.store)
        return info is not None and info.pid != old.pid and info.build == supervision.build_id()

    wait_until(replaced, message="a supervisor of this build")


def test_a_killed_supervisor_is_restarted_by_the_next_command(
    engine: Engine, log: Path, repo: Path
) -> None:
    tid = engine.new_task("survivor", agent="fake").id
    recorded(engine, tid, Status.IDLE)
    info = supervision.running_info(engine.store)
    assert info is not None
    os.kill(info.pid, 9)
    wait_until(lambda: not supervision.is_running(engine.store))
    result = squadron("send", tid, "write after.txt restart", cwd=repo)
    assert result.returncode == 0, result.stderr
    delivered(engine, tid)
    assert received(log) == ["write after.txt restart"]


def test_the_supervisor_leaves_when_nothing_is_left(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from squadron.engine import supervisor as module

    monkeypatch.setattr(module, "IDLE_EXIT", 0.5)
    tid = engine.new_task("short", agent="fake").id
    recorded(engine, tid, Status.IDLE)
    supervision.stop(engine)
    engine.tmux.kill_session(engine.get(tid).session)
    sup = module.Supervisor(engine)
    thread = sup.start_thread()
    thread.join(timeout=15)
    assert not thread.is_alive() and not supervision.is_running(engine.store)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signalled_supervisor_stops_and_takes_its_session_with_it(
    engine: Engine, sig: signal.Signals
) -> None:
    """Whatever it was doing when the signal came, it stops (releasing the lock), and its
    session goes with it; the agents stay."""
    tid = engine.new_task("stays", agent="fake").id
    recorded(engine, tid, Status.IDLE)
    info = supervision.running_info(engine.store)
    assert info is not None and info.session
    os.kill(info.pid, sig)
    wait_until(lambda: not supervision.is_running(engine.store), message="supervisor stopped")

    def sessions() -> set[str]:
        return {p.session for p in engine.tmux.list_panes()}

    wait_until(lambda: info.session not in sessions(), message="its session closed")
    assert engine.get(tid).session in sessions()


def test_the_supervisor_runs_outside_the_tui_process(engine: Engine) -> None:
    engine.new_task("any", agent="fake")
    info = wait_until(lambda: supervision.running_info(engine.store))
    assert info.pid != os.getpid()  # type: ignore[union-attr]
    argv = Path(f"/proc/{info.pid}/cmdline").read_bytes().split(b"\0")  # type: ignore[union-attr]
    assert b"squadron" in argv and b"supervise" in argv


def test_text_that_cannot_be_typed_fails_alone(engine: Engine, log: Path) -> None:
    """Undecodable bytes in a queued text (a state file from an older squadron): that entry
    fails with the reason; the task and every other task go on."""
    bad = engine.new_task("bad bytes", agent="fake").id
    good = engine.new_task("good", agent="fake").id
    recorded(engine, bad, Status.IDLE)

    def change(t):  # type: ignore[no-untyped-def]
        t.enqueue(Outgoing(0, "message", "caf\udce9 au lait"))

    engine.store.update(bad, change)
    engine.send(good, "write fine.txt yes")
    delivered(engine, good)
    failed = wait_until(
        lambda: next((o for o in engine.get(bad).outbox if o.state == "failed"), None), 15
    )
    assert "cannot type it" in failed.note  # type: ignore[union-attr]
    engine.send(bad, "write after.txt still fine")
    wait_until(lambda: (Path(engine.get(bad).worktree) / "after.txt").exists(), 15)
    assert received(log) == ["write fine.txt yes", "write after.txt still fine"]
