"""The seed workflow end to end under Pilot, on real tmux and git with the fake agent:

comment on two files → send the review → the agent edits → a stale comment is flagged →
viewed marks reset for the changed file → the check fails → the failure is sent → the
check passes → merge → archive.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from squadron.core.task import Stage
from squadron.engine.engine import Engine
from squadron.ui.screens.main import MainScreen
from tests.conftest import git
from tests.integration.helpers import write_user_config
from tests.tui.conftest import RecordingApp, RecordingAttacher, click, rows_text, shown, until
from tests.tui.test_review import (
    SIZE,
    agent_writes,
    cursor_to,
    listed,
    open_review,
    start_task,
    view_of,
    write_comment,
    write_files,
)


async def test_full_review_round_to_merge_and_archive(
    repo: Path, attacher: RecordingAttacher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("FAKE_AGENT_LOG", str(log))
    write_user_config('default_agent = "fake"\ncheck = "grep -q ok status.txt"\n')
    engine = Engine.open(repo)
    tid = start_task(engine, acceptance="status.txt says ok\nboth modules documented")
    write_files(
        engine,
        tid,
        {"one.py": "a = 1\nb = 2\n", "two.py": "x = 1\ny = 2\n", "status.txt": "failing\n"},
    )
    app = RecordingApp(engine, attacher=attacher)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(app, pilot, engine, tid)
        view = view_of(screen)
        await until(pilot, lambda: len(view.files) == 3, message="three files")
        # comment on two files, mark both viewed
        await cursor_to(pilot, screen, "one.py", "b = 2")
        await write_comment(pilot, app, screen, "c", "b needs a docstring")
        await pilot.press("v")
        await cursor_to(pilot, screen, "two.py", "y = 2")
        await write_comment(pilot, app, screen, "c", "rename y")
        await pilot.press("v")
        await until(
            pilot,
            lambda: engine.viewed_files(tid, view.files) == {"one.py", "two.py"},
            message="viewed marks stored",
        )
        # the agent changes code a pending comment quotes: that comment turns stale
        agent_writes(engine, tid, "two.py", "renamed = 2")
        await pilot.press("r")  # reload
        await until(pilot, lambda: screen.stale == {2}, message="the stale mark on two.py")
        assert [row.startswith("two.py:2") for row in listed(screen) if "stale" in row] == [True]
        assert engine.viewed_files(tid, view.files) == {"one.py"}  # two.py changed again
        # send the review: one instruction with both comments
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), message="back to main")
        await until(
            pilot,
            lambda: log.exists() and "round 1" in log.read_text(),
            message="review received by the agent",
        )
        sent = json.loads(log.read_text().splitlines()[-1])
        assert "one.py:2" in sent and "b needs a docstring" in sent and "> b = 2" in sent
        assert "two.py:2" in sent and "rename y" in sent
        assert len(engine.get(tid).rounds) == 1 and engine.get(tid).comments == []
        # the check fails; the failure goes to the agent; the agent fixes it; the check passes
        await until(pilot, lambda: app.main and app.main.selected_id == tid, message="selected")
        await pilot.press("c")
        await until(pilot, lambda: shown(app, "check failed"), message="failing check")
        # `f` is allowed once the task list holds the recorded failure
        await until(pilot, lambda: "✗ check" in rows_text(app), message="the failure listed")
        await pilot.press("f")
        await until(pilot, lambda: "The check" in log.read_text(), message="failure sent")
        agent_writes(engine, tid, "status.txt", "ok")
        await pilot.press("c")
        await until(pilot, lambda: shown(app, "check passed"), message="passing check")
        # merge from the dialog, then archive when offered
        await pilot.press("M")
        await until(
            pilot,
            lambda: (
                app.screen.query("#forecast")
                and "merges cleanly" in str(app.screen.query_one("#forecast").render())
            ),
            message="forecast",
        )
        await until(
            pilot,
            lambda: not app.screen.query_one("#merge").disabled,
            message="merge allowed by the passing check",
        )
        await click(pilot, "#merge")
        await until(pilot, lambda: engine.get(tid).stage == Stage.MERGED, 20, message="merged")
        await until(pilot, lambda: app.screen.query("#confirm"), message="archive offered")
        await click(pilot, "#confirm")
        await until(pilot, lambda: engine.get(tid).stage == Stage.ARCHIVED, 20, message="archived")
    assert (repo / "status.txt").read_text() == "ok\n"
    assert (repo / "two.py").read_text() == "renamed = 2\n"
    assert not Path(engine.get(tid).worktree).exists()
    assert git(repo, "rev-parse", "--verify", engine.get(tid).branch).strip()
    timeline = engine.get(tid).timeline
    assert "merged" in timeline
