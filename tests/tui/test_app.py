"""The TUI under Pilot over a real engine, a real private tmux server and real git."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.command import CommandList
from textual.widgets import Input, OptionList, TabbedContent, TextArea

from squadron.core.status import Status
from squadron.core.task import Mode, Stage
from squadron.engine.engine import Engine
from squadron.ui.screens.help import HelpScreen
from squadron.ui.screens.main import MainScreen
from squadron.ui.widgets.diff_view import DiffView
from squadron.ui.widgets.pane_view import PaneView
from squadron.ui.widgets.sidebar import RowView, Sidebar
from tests.conftest import git
from tests.tui.conftest import RecordingApp, RecordingAttacher, click, focused, shown, until

SIZE = (140, 40)


def main(app: RecordingApp) -> MainScreen:
    assert app.main is not None
    return app.main


def rows(app: RecordingApp) -> list[RowView]:
    return main(app).query_one(Sidebar).rows()


def palette_choice(app: RecordingApp) -> str:
    """The command palette's highlighted entry, as shown ("" when there is none)."""
    commands = app.screen.query(CommandList)
    option = commands.first().highlighted_option if commands else None
    return "" if option is None else str(option.prompt)


def start_task(engine: Engine, title: str = "Fake work", prompt: str = "") -> str:
    return engine.new_task(title, prompt=prompt, agent="fake").id


async def test_create_task_from_modal_and_see_status_change(
    app: RecordingApp, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("FAKE_AGENT_LOG", str(log))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await until(pilot, lambda: focused(app, "#title"), message="new task modal")
        await pilot.press(*"Write notes")
        app.screen.query_one("#prompt", TextArea).focus()
        await pilot.press(*"work 1;; write notes.txt from the modal")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: rows(app), message="the new task's row")
        row = rows(app)[0]
        assert row.task_data.title == "Write notes"
        worktree = Path(engine.get("t1").worktree)
        await until(
            pilot, lambda: rows(app)[0].task_data.status == Status.WORKING, message="working"
        )
        await until(pilot, lambda: rows(app)[0].task_data.status == Status.IDLE, message="idle")
        assert (worktree / "notes.txt").exists()
        assert "status-idle" in rows(app)[0].classes
        await pilot.press("s")  # where the status came from, on request
        await until(pilot, lambda: "idle·" in rows(app)[0].text, message="provenance shown")
        source = rows(app)[0].task_data.provenance.value
        assert f"idle·{source}" in rows(app)[0].text
        assert (
            json.loads(log.read_text().splitlines()[0]) == "work 1;; write notes.txt from the modal"
        )
        preview = main(app).query_one(PaneView)
        await until(pilot, lambda: preview.task_id == "t1", message="preview")


async def test_diff_tab_shows_changes_and_marks_viewed(app: RecordingApp, engine: Engine) -> None:
    tid = start_task(engine, prompt="write one.py a = 1;; write two.py b = 2")
    worktree = Path(engine.get(tid).worktree)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: (worktree / "two.py").exists(), message="edits")
        await until(pilot, lambda: rows(app), message="row")
        await pilot.press("d")
        view = main(app).query_one(DiffView)
        assert main(app).query_one(TabbedContent).active == "tab-diff"
        await until(pilot, lambda: len(view.files) == 2, message="two files in the diff")
        assert {f.path for f in view.files} == {"one.py", "two.py"}
        first = view.current_file
        assert first is not None
        await pilot.press("v")
        await until(
            pilot,
            lambda: engine.viewed_files(tid, view.files) == {first.path},
            message="viewed mark stored",
        )
        await pilot.press("]")
        await until(
            pilot,
            lambda: view.current_file is not None and view.current_file.path != first.path,
            message="next file",
        )


async def test_message_take_over_and_send_back(
    app: RecordingApp, engine: Engine, attacher: RecordingAttacher
) -> None:
    tid = start_task(engine)
    worktree = Path(engine.get(tid).worktree)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: rows(app), message="row")
        await until(
            pilot, lambda: rows(app)[0].task_data.status == Status.IDLE, message="agent ready"
        )
        await pilot.press("m")
        await until(pilot, lambda: focused(app, "#text"), message="message modal")
        await pilot.press(*"write msg.txt hi")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: (worktree / "msg.txt").exists(), message="message typed")
        await pilot.press("t")
        await until(pilot, lambda: attacher.calls, message="take over")
        assert "attach-session" in attacher.calls[0]
        await until(pilot, lambda: engine.get(tid).mode == Mode.CONDUCTOR, message="conductor")
        await until(pilot, lambda: "conductor" in rows(app)[0].classes, message="mark")
        await pilot.press("m")  # disabled in conductor mode: says why
        await until(pilot, lambda: shown(app, "press u to send it back"), message="why")
        assert not app.screen.query("#text")
        await pilot.press("u")
        await until(pilot, lambda: focused(app, "#text"), message="hand-back modal")
        await pilot.press(*"write back.txt resumed")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: (worktree / "back.txt").exists(), message="hand-back note")
        assert engine.get(tid).mode == Mode.UNATTENDED


async def test_merge_from_modal(app: RecordingApp, engine: Engine, repo: Path) -> None:
    tid = start_task(engine, "Add feature", prompt="write feature.txt merged")
    worktree = Path(engine.get(tid).worktree)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: (worktree / "feature.txt").exists(), message="edit")
        await until(pilot, lambda: rows(app), message="row")
        await pilot.press("M")
        await until(pilot, lambda: app.screen.query("#forecast"), message="merge modal")
        await until(
            pilot,
            lambda: "merges cleanly" in str(app.screen.query_one("#forecast").render()),
            message="forecast",
        )
        await click(pilot, "#merge")
        await until(pilot, lambda: engine.get(tid).stage == Stage.MERGED, message="merged")
        assert (repo / "feature.txt").read_text() == "merged\n"
        await until(pilot, lambda: shown(app, f"merged {tid} as"), message="notification")
        await until(pilot, lambda: app.screen.query("#confirm"), message="archive offered")
        await click(pilot, "#confirm")
        await until(pilot, lambda: engine.get(tid).stage == Stage.ARCHIVED, message="archived")


async def test_merge_conflict_is_reported_not_crashing(
    app: RecordingApp, engine: Engine, repo: Path
) -> None:
    tid = start_task(engine, prompt="write app.py print('task')")
    worktree = Path(engine.get(tid).worktree)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "task" in (worktree / "app.py").read_text(), message="edit")
        (repo / "app.py").write_text("print('base')\n")
        git(repo, "commit", "-qam", "base")
        await until(pilot, lambda: rows(app), message="row")
        await pilot.press("M")
        await until(
            pilot,
            lambda: (
                app.screen.query("#forecast")
                and "conflict in: app.py" in str(app.screen.query_one("#forecast").render())
            ),
            message="forecast",
        )
        assert app.screen.query_one("#merge").disabled
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_archive_and_delete_with_confirmation(
    app: RecordingApp, engine: Engine, repo: Path
) -> None:
    first = start_task(engine, "first", prompt="write a.txt keep")
    second = start_task(engine, "second")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(rows(app)) == 2, message="two rows")
        await until(
            pilot, lambda: (Path(engine.get(first).worktree) / "a.txt").exists(), message="edit"
        )
        await pilot.press("a")
        await until(pilot, lambda: app.screen.query("#confirm"), message="confirm archive")
        await pilot.press("escape")
        assert engine.get(first).stage == Stage.RUNNING
        await pilot.press("a")
        await until(pilot, lambda: app.screen.query("#confirm"), message="confirm archive")
        await click(pilot, "#confirm")
        await until(pilot, lambda: engine.get(first).stage == Stage.ARCHIVED, message="archive")
        await until(
            pilot,
            lambda: [r.task_data.id for r in rows(app)] == [second],
            message="archived row gone",
        )
        await pilot.press("x")
        await until(pilot, lambda: app.screen.query("#confirm"), message="confirm delete")
        await click(pilot, "#confirm")
        await until(pilot, lambda: not rows(app), message="deleted")
        assert [t.id for t in engine.tasks()] == [first]
        assert git(repo, "show", f"{engine.get(first).branch}:a.txt") == "keep\n"


async def test_filter_palette_and_help(app: RecordingApp, engine: Engine) -> None:
    start_task(engine, "Alpha feature")
    start_task(engine, "Beta bugfix")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(rows(app)) == 2, message="rows")
        await pilot.press("slash")
        await pilot.press(*"beta")
        await until(
            pilot,
            lambda: [r.task_data.title for r in rows(app)] == ["Beta bugfix"],
            message="filtered",
        )
        await pilot.press("enter", "escape")
        await until(pilot, lambda: len(rows(app)) == 2, message="filter cleared")
        await pilot.press("ctrl+p")
        await until(pilot, lambda: app.screen.query("CommandInput"), message="palette")
        await pilot.press(*"t2 Beta")
        await until(
            pilot,
            lambda: palette_choice(app).startswith("t2 Beta bugfix"),
            message="t2 found and highlighted in the palette",
        )
        await pilot.press("enter")
        await until(pilot, lambda: main(app).selected_id == "t2", message="palette selection")
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), message="help")
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_theme_switch_and_broken_user_theme(
    engine: Engine, attacher: RecordingAttacher
) -> None:
    themes = Path.home() / ".config" / "squadron" / "themes"
    themes.mkdir(parents=True)
    (themes / "broken.toml").write_text("name = 'broken'\n[colors]\nprimary = 'nope'\n")
    app = RecordingApp(engine, attacher=attacher)
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == "squadron-dark"
        assert shown(app, "broken.toml")
        app.theme = "squadron-light"
        await pilot.pause()
        assert app.get_css_variables()["status-waiting"]
        app.theme = "squadron-high-contrast"
        await pilot.pause()


async def test_task_made_elsewhere_appears_within_a_second(
    app: RecordingApp, engine: Engine, repo: Path
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: main(app).query_one("#empty").display, message="no tasks")
        other = Engine.open(repo)  # as `squadron new` from another shell would
        other.new_task("from another shell", agent="fake")
        await until(
            pilot,
            lambda: [r.task_data.title for r in rows(app)] == ["from another shell"],
            timeout=1.5,
            message="the new task in the TUI",
        )


async def test_disabled_keys_say_why_with_no_task(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await until(
            pilot, lambda: main(app).query_one(Sidebar).list_view.has_focus, message="the list"
        )
        await pilot.press("t")
        await until(pilot, lambda: shown(app, "no task selected"), message="why")
        assert isinstance(app.screen, MainScreen)
        assert main(app).query_one(Sidebar).list_view.has_focus or isinstance(
            app.focused, (OptionList, Input)
        )


async def test_waiting_and_review_ready_alert_once(app: RecordingApp, engine: Engine) -> None:
    tid = start_task(engine)
    async with app.run_test(size=SIZE) as pilot:
        await until(
            pilot,
            lambda: rows(app) and rows(app)[0].task_data.status == Status.IDLE,
            message="idle",
        )
        engine.send(tid, "ask Shall I?")
        await until(pilot, lambda: shown(app, f"{tid} is waiting for you"), message="alert")
        notifier = main(app).notifier
        assert notifier is not None
        await until(pilot, lambda: len(notifier.escalated) == 1, message="bell (delay 0)")
        assert tid in notifier.escalated[0]
        engine.tmux.send_keys(engine.get(tid).session, "y")
        engine.send(tid, "write done.txt yes")
        await until(
            pilot, lambda: shown(app, f"{tid} is ready for review (+1 -0)"), message="review alert"
        )
        # Alerts are raised in the order the task's states were seen: every tick that saw it
        # waiting came before the one that saw it idle, so no repeat can come after this.
        assert sum(f"{tid} is waiting for you" in s for s in app.shown) == 1


async def test_check_failure_sent_then_override_merge_and_stats(
    repo: Path, attacher: RecordingAttacher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.integration.helpers import write_user_config

    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("FAKE_AGENT_LOG", str(log))
    write_user_config('default_agent = "fake"\ncheck = "grep -q fixed status.txt"\n')
    engine = Engine.open(repo)
    app = RecordingApp(engine, attacher=attacher)
    tid = start_task(engine, prompt="write status.txt broken")
    worktree = Path(engine.get(tid).worktree)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: (worktree / "status.txt").exists(), message="edit")
        await until(pilot, lambda: rows(app), message="row")
        await pilot.press("f")  # nothing failed yet: says why
        await until(pilot, lambda: shown(app, "no failing check"), message="why")
        await pilot.press("c")
        await until(pilot, lambda: shown(app, "check failed"), message="check result")
        await until(
            pilot,
            lambda: "✗ check" in rows(app)[0].text,
            message="sidebar check mark",
        )
        await pilot.press("f")
        await until(
            pilot,
            lambda: log.exists() and "failed" in log.read_text(),
            message="failure sent to the agent",
        )
        await pilot.press("M")
        await until(
            pilot,
            lambda: app.screen.query("#override") and app.screen.query_one("#override").display,
            message="override offered",
        )
        assert app.screen.query_one("#merge").disabled
        await click(pilot, "#override")
        await until(
            pilot,
            lambda: not app.screen.query_one("#merge").disabled,
            message="merge enabled by the override",
        )
        await click(pilot, "#merge")
        await until(pilot, lambda: engine.get(tid).stage == Stage.MERGED, message="merged")
        assert [h.kind for h in engine.get(tid).history].count("override") == 1
        await until(pilot, lambda: app.screen.query("#confirm"), message="archive offered")
        await pilot.press("escape")
        await pilot.press("S")
        await until(pilot, lambda: type(app.screen).__name__ == "StatsScreen", message="stats")
        await pilot.press("escape")


async def test_keys_are_remappable_and_unknown_ids_reported(
    repo: Path, attacher: RecordingAttacher
) -> None:
    from tests.integration.helpers import write_user_config

    write_user_config(
        'default_agent = "fake"\n[keys]\nnew-task = "N"\n"review.send" = "ctrl+r"\nnonsense = "z"\n'
    )
    app = RecordingApp(Engine.open(repo), attacher=attacher)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: shown(app, "unknown key id 'nonsense'"), message="reported")
        assert app.keymap == {"new-task": "N", "review.send": "ctrl+r"}
        await until(
            pilot, lambda: main(app).query_one(Sidebar).list_view.has_focus, message="the list"
        )
        # Keys are handled in order: had n opened the dialog, ? would be typed into its title.
        await pilot.press("n", "question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), message="n did nothing")
        assert app.screen_stack[-2] is main(app)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is main(app), message="help closed")
        await pilot.press("N")
        await until(pilot, lambda: app.screen.query("#title"), message="N opens the dialog")


async def test_a_task_whose_state_file_vanishes_is_reported(
    app: RecordingApp, engine: Engine
) -> None:
    tid = start_task(engine)
    async with app.run_test(size=SIZE) as pilot:
        assert app.feed is not None
        await until(pilot, lambda: rows(app) and tid in app.feed.tasks, message="followed")
        engine.store.path_of(tid).unlink()  # deleted by hand, or by another tool
        await until(pilot, lambda: shown(app, f"{tid} is gone"), message="reported")
        assert rows(app) == []
        # one squadron removed (here or in another terminal) is not "gone": it was removed
        other = start_task(engine, title="Removed here")
        await until(pilot, lambda: other in app.feed.tasks, message="the other task followed")
        engine.remove(other)
        await until(pilot, lambda: not rows(app), message="no rows")
        assert not shown(app, f"{other} is gone")
