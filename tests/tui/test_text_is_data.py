"""Text from agents, users and the file system is shown as written, never as markup.

A task whose title, prompt, acceptance criteria, file names, comment and check output hold
markup-like text (``x[/b]y``, ``[bold]z[/]``, ``app/[id]/page.tsx``), control characters and a
lone surrogate (an undecodable byte) is shown in the sidebar, the Pane, Task and Diff tabs, the
review screen, the merge dialog, the command palette and the stats screen. Each test reads the
text the widgets draw and compares it with the original, where control characters are shown
as symbols (ESC as ``␛``) and undecodable bytes as U+FFFD. Everything drawn must also be
writable to a terminal: valid UTF-8 without control characters (``run_test`` has no terminal,
so the tests check this themselves).
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from textual.app import App
from textual.command import CommandList
from textual.content import Content
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, Label, Static, TabbedContent

from squadron.core.diffparse import parse_diff
from squadron.core.task import Stage
from squadron.engine.engine import Engine
from squadron.ui.screens.confirm import ConfirmScreen
from squadron.ui.screens.main import MainScreen
from squadron.ui.screens.merge import MergeScreen
from squadron.ui.screens.message import MessageScreen
from squadron.ui.screens.review import CommentList, CommentScreen, ReviewScreen
from squadron.ui.widgets.checklist import Checklist
from squadron.ui.widgets.diff_view import DiffView
from squadron.ui.widgets.pane_view import PaneView, ansi_text
from squadron.ui.widgets.plain import escape
from squadron.ui.widgets.sidebar import Sidebar
from squadron.ui.widgets.task_info import TaskInfo
from tests.conftest import git
from tests.integration.helpers import delivered, write_user_config
from tests.tui.conftest import RecordingApp, RecordingAttacher, until
from tests.tui.test_diff_view import DiffApp

SIZE = (160, 45)
T = TypeVar("T")

# The original text, and how it must look on screen.
TITLE = "x[/b]y [bold]z[/] app/[id] \x1b[1m\x07caf" + os.fsdecode(b"\xe9")
TITLE_SHOWN = "x[/b]y [bold]z[/] app/[id] ␛[1m␇caf\ufffd"
PROMPT = "say [bold]hi[/] to x[/b]y and app/[id]"  # the fake agent answers "ok: say …"
ACCEPTANCE = (
    "- [ ] x[/b]y.py exists\n"
    "- [x] [bold]z[/].py stays \x1b[2J\n"
    "- app/[id]/page.tsx renders caf" + os.fsdecode(b"\xe9")
)
CRITERIA_SHOWN = [
    "x[/b]y.py exists",
    "[bold]z[/].py stays ␛[2J",
    "app/[id]/page.tsx renders caf\ufffd",
]
ACCEPTANCE_SHOWN = [
    "- [ ] x[/b]y.py exists",
    "- [x] [bold]z[/].py stays ␛[2J",
    "- app/[id]/page.tsx renders caf\ufffd",
]
COMMENT = "rename [bold]this[/] \x1b[0m in x[/b]y caf" + os.fsdecode(b"\xe9") + "\nsecond line"
COMMENT_SHOWN = "rename [bold]this[/] ␛[0m in x[/b]y caf\ufffd"
CHECK_OUTPUT = (
    b"FAILED x[/b]y.py::test_[bold]z[/]\n\x1b[31mE  assert app/[id]\x1b[0m\x07\ncaf\xe9\n"
)
CHECK_SHOWN = ["FAILED x[/b]y.py::test_[bold]z[/]", "␛[31mE  assert app/[id]␛[0m␇", "caf\ufffd"]

# File names as the file system has them (a str with a surrogate is the undecodable byte) …
FILES = {
    "app/[id]/page.tsx": "export default function Page() { return '[b]' }\n",
    "x[/b]y.py": "a = '[bold]'\n",
    "[bold]z[/].py": "b = 2\n",
    "e\x1b[31m.py": "c = 3\n",
    os.fsdecode(b"caf\xe9.py"): "d = 4\n",
}
# … and as they must be shown.
SHOWN = {
    "app/[id]/page.tsx": "app/[id]/page.tsx",
    "x[/b]y.py": "x[/b]y.py",
    "[bold]z[/].py": "[bold]z[/].py",
    "e\x1b[31m.py": "e␛[31m.py",
    os.fsdecode(b"caf\xe9.py"): "caf\ufffd.py",
}

_UNDRAWABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def drawable(text: str) -> str:
    """``text`` if a terminal can be given it: valid UTF-8 (a lone surrogate stops Textual's
    writer) and no control characters (an ESC would be obeyed, not shown)."""
    text.encode("utf-8")
    assert not _UNDRAWABLE.search(text), f"control character drawn: {text!r}"
    return text


def drawn(widget: Widget) -> list[str]:
    """The lines ``widget`` draws, as text (trailing blanks dropped), each checked drawable."""
    width, height = widget.size
    strips = widget.render_lines(Region(0, 0, width, height))
    return [drawable("".join(segment.text for segment in strip)).rstrip() for strip in strips]


def screen_drawable(app: App[object]) -> list[str]:
    """Every line of the whole screen as the terminal would get it, checked drawable."""
    strips = app.screen._compositor.render_strips()  # what the driver would write
    return [drawable("".join(segment.text for segment in strip)) for strip in strips]


async def drawn_until(
    pilot: Pilot[None], read: Callable[[], T], ok: Callable[[T], object], what: str
) -> T:
    """``read()`` (something drawn) once ``ok`` holds for it. What is drawn follows a change by
    a refresh or two: wait for it, and on time-out say what was drawn last."""
    last: list[T] = []

    def check() -> bool:
        last[:] = [read()]
        return bool(ok(last[0]))

    try:
        await until(pilot, check, message=what)
        return last[0]
    except pytest.fail.Exception:
        pass  # fail below, outside this handler: one message, with what was drawn
    pytest.fail(f"timed out waiting for {what}; drawn: {last[0]!r}")


def label_text(widget: Widget) -> str:
    return "\n".join(drawn(widget)).strip()


def joined(lines: list[str]) -> str:
    """Drawn lines read as one text: a long row wraps at a space, which the wrap drops."""
    return " ".join(line.strip() for line in lines if line.strip())


@dataclass
class Hostile:
    engine: Engine
    app: RecordingApp
    tid: str


@pytest.fixture
def hostile(repo: Path, tmp_path: Path, attacher: RecordingAttacher) -> Hostile:
    """A task with hostile text everywhere, its files committed in its worktree, a comment and
    a failed check recorded; the supervisor types the prompt before the app starts."""
    output = tmp_path / "check.out"
    output.write_bytes(CHECK_OUTPUT)
    check = shlex.join(["sh", "-c", 'cat "$0"; exit 1', str(output)])
    write_user_config(f'default_agent = "fake"\ncheck = {json.dumps(check)}\n')
    engine = Engine.open(repo)
    task = engine.new_task(TITLE, prompt=PROMPT, agent="fake", acceptance=ACCEPTANCE)
    delivered(engine, task.id)
    worktree = Path(task.worktree)
    for path, text in FILES.items():
        target = worktree / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    git(worktree, "add", "-A")
    git(worktree, "commit", "-qm", "hostile names")
    engine.add_comment(task.id, "x[/b]y.py", COMMENT, line=1)
    result = engine.run_check(task.id)
    assert not result.ok
    return Hostile(engine, RecordingApp(engine, attacher=attacher), task.id)


def main_screen(app: RecordingApp) -> MainScreen:
    assert app.main is not None
    return app.main


async def diff_shown(pilot: Pilot[None], view: DiffView) -> None:
    """The diff of every file is loaded; the file list and the headers name each as written
    (all of them fit on screen)."""
    await until(pilot, lambda: len(view.files) == len(FILES), message="every file in the diff")
    rows = await drawn_until(
        pilot,
        lambda: [row for row in drawn(view.file_list) if row],
        lambda rows: len(rows) == len(FILES),
        "a row per file in the file list",
    )
    for shown in SHOWN.values():
        assert any(f"  {shown} " in f"{row} " for row in rows), (shown, rows)
    headers = await drawn_until(
        pilot,
        lambda: [line for line in drawn(view.pane) if line.startswith(" A ")],
        lambda headers: len(headers) == len(FILES),
        "a header per file in the diff",
    )
    for shown in SHOWN.values():
        assert any(header.startswith(f" A {shown} ") for header in headers), (shown, headers)


# -- the main screen: sidebar, Pane, Task and Diff tabs -----------------------------------------
async def test_sidebar_pane_task_and_diff_tabs_show_outside_text_as_written(
    hostile: Hostile,
) -> None:
    app = hostile.app
    async with app.run_test(size=SIZE) as pilot:
        sidebar = main_screen(app).query_one(Sidebar)
        await drawn_until(
            pilot,
            lambda: joined(drawn(sidebar.list_view)),
            lambda row: f" {hostile.tid} {TITLE_SHOWN} fake · " in row,
            "the task's row",
        )
        assert hostile.engine.get(hostile.tid).title == TITLE  # shown safely, kept as given

        # Pane: the agent's answer to the prompt, as it printed it.
        pane = main_screen(app).query_one(PaneView)
        answer = f"ok: {PROMPT}"
        await until(
            pilot,
            lambda: any(answer in line for line in drawn(pane.query_one("#pane-text"))),
            message="the agent's answer in the preview",
        )

        # Task: title, prompt, criteria, check output, all as written.
        await pilot.press("i")
        info = main_screen(app).query_one(TaskInfo)
        lines = await drawn_until(
            pilot,
            lambda: drawn(info.query_one(Static)),
            lambda lines: lines and lines[0] == TITLE_SHOWN,
            "the Task tab",
        )
        assert PROMPT in lines
        for criterion in ACCEPTANCE_SHOWN:
            assert criterion in lines
        for output in CHECK_SHOWN:
            assert output in lines
        screen_drawable(app)

        # Diff: the file list and each file's header.
        await pilot.press("d")
        assert main_screen(app).query_one(TabbedContent).active == "tab-diff"
        view = main_screen(app).query_one(DiffView)
        await diff_shown(pilot, view)
        assert any("a = '[bold]'" in line for line in drawn(view.pane))
        screen_drawable(app)


# -- the review screen --------------------------------------------------------------------------
async def test_review_screen_shows_outside_text_as_written(hostile: Hostile) -> None:
    app = hostile.app
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: main_screen(app).query_one(Sidebar).rows(), message="row")
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen), message="review")
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await until(
            pilot,
            lambda: screen.task_data is not None and not screen.diff_loading,
            message="the review loaded",
        )
        await drawn_until(
            pilot,
            lambda: label_text(screen.query_one("#review-task", Label)),
            lambda header: header == f"{hostile.tid} · {TITLE_SHOWN}",
            "the review's header",
        )
        checklist = screen.query_one(Checklist)
        items = await drawn_until(
            pilot,
            lambda: [line for line in drawn(checklist) if line.strip()],
            lambda items: len(items) == len(CRITERIA_SHOWN),
            "the criteria",
        )
        for item, criterion in zip(items, CRITERIA_SHOWN, strict=True):
            assert item.endswith(f" {criterion}"), (item, criterion)
        await drawn_until(
            pilot,
            lambda: joined(drawn(screen.query_one(CommentList))),
            lambda comments: comments == f"x[/b]y.py:1 {COMMENT_SHOWN}",
            "the pending comment",
        )
        view = screen.query_one(DiffView)
        await diff_shown(pilot, view)
        screen_drawable(app)

        # A comment on a line of x[/b]y.py: the dialog names the place and quotes the code.
        view.jump_to_line("x[/b]y.py", 1)
        view.focus_diff()
        await pilot.press("c")
        await until(
            pilot,
            lambda: isinstance(app.screen, CommentScreen) and app.screen.query(".quote"),
            message="the comment dialog",
        )
        dialog = app.screen
        await drawn_until(
            pilot,
            lambda: (
                label_text(dialog.query_one(".title", Label)),
                label_text(dialog.query_one(".quote", Static)),
            ),
            lambda shown: shown == ("Comment on x[/b]y.py:1", "> a = '[bold]'"),
            "the comment dialog's place and quote",
        )
        screen_drawable(app)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, message="dialog closed")


# -- the merge dialog ---------------------------------------------------------------------------
async def test_merge_forecast_lists_conflicting_paths_as_written(
    hostile: Hostile, repo: Path
) -> None:
    for path in FILES:  # the base gets the same names with other contents: all conflict
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("base\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "the same names on the base")
    app = hostile.app
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: main_screen(app).query_one(Sidebar).rows(), message="row")
        await pilot.press("M")
        await until(pilot, lambda: isinstance(app.screen, MergeScreen), message="merge dialog")
        dialog = app.screen
        forecast = dialog.query_one("#forecast", Label)
        await until(
            pilot,
            lambda: label_text(forecast) != "forecasting conflicts…",
            message="the forecast to end",
        )
        text = label_text(forecast)
        prefix = "would conflict in: "
        assert text.startswith(prefix), text
        assert sorted(text[len(prefix) :].split(", ")) == sorted(SHOWN.values())
        assert dialog.query_one("#merge").disabled
        assert dialog.query_one("#message", Input).value == TITLE_SHOWN
        screen_drawable(app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), message="closed")
    assert hostile.engine.get(hostile.tid).stage == Stage.RUNNING


# -- the command palette and the stats screen ---------------------------------------------------
async def test_palette_and_stats_show_the_title_as_written(hostile: Hostile) -> None:
    app = hostile.app
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: main_screen(app).query_one(Sidebar).rows(), message="row")
        await pilot.press("ctrl+p")
        await until(pilot, lambda: app.screen.query(CommandList), message="the palette")
        commands = app.screen.query_one(CommandList)
        wanted = f"{hostile.tid} {TITLE_SHOWN}"
        await until(
            pilot,
            lambda: any(line.strip() == wanted for line in drawn(commands)),
            message="the task listed in the palette",
        )
        await pilot.press(*"x[/b")  # a search highlights the matched letters, nothing else
        await until(
            pilot,
            lambda: [line.strip() for line in drawn(commands) if line.strip()][:1] == [wanted],
            message="the task found by a search",
        )
        screen_drawable(app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), message="closed")

        await pilot.press("S")
        await until(pilot, lambda: type(app.screen).__name__ == "StatsScreen", message="stats")
        await until(pilot, lambda: app.screen.query("#stats-table"), message="the table")
        await drawn_until(  # the title column may wrap at spaces
            pilot,
            lambda: joined(drawn(app.screen.query_one("#stats-table", Static))),
            lambda table: all(word in table for word in TITLE_SHOWN.split(" ")),
            "the title in the stats table",
        )
        screen_drawable(app)


# -- dialogs built from task data ---------------------------------------------------------------
async def test_confirm_and_message_dialogs_show_their_text_as_written(
    app: RecordingApp,
) -> None:
    body = "Delete [bold]t1[/]: branch x[/b]y\nkept as refs/[id] \x1b[2J caf" + os.fsdecode(b"\xe9")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(ConfirmScreen("Delete x[/b]?", body, "Delete", danger=True))
        await until(pilot, lambda: app.screen.query("#confirm-body"), message="confirm")
        await drawn_until(
            pilot,
            lambda: (
                label_text(app.screen.query_one(".title", Label)),
                drawn(app.screen.query_one("#confirm-body", Static))[:2],
            ),
            lambda shown: (
                shown
                == (
                    "Delete x[/b]?",
                    ["Delete [bold]t1[/]: branch x[/b]y", "kept as refs/[id] ␛[2J caf\ufffd"],
                )
            ),
            "the confirm dialog's title and body",
        )
        screen_drawable(app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), message="closed")

        app.push_screen(MessageScreen("Message t1 ([bold]my[/b]bot)", "typed [literally]"))
        await until(
            pilot,
            lambda: isinstance(app.screen, MessageScreen) and app.screen.query(".hint"),
            message="the message dialog",
        )
        await drawn_until(
            pilot,
            lambda: (
                label_text(app.screen.query_one(".title", Label)),
                label_text(app.screen.query_one(".hint", Label)),
            ),
            lambda shown: (
                shown[0] == "Message t1 ([bold]my[/b]bot)"
                and shown[1].startswith("typed [literally]")
            ),
            "the message dialog's title and hint",
        )
        screen_drawable(app)
        await pilot.press("escape")


# -- the pane preview ---------------------------------------------------------------------------
def test_pane_preview_keeps_colours_and_shows_what_else_the_agent_printed() -> None:
    screen = "\x1b[31mred\x1b[0m x[/b]y \x01 \x7f \x00 \x85 caf" + os.fsdecode(b"\xe9") + "\n"
    text = ansi_text(screen)
    assert drawable(text.plain) == "red x[/b]y ␁ ␡ ␀ \ufffd caf\ufffd"
    assert [(span.start, span.end) for span in text.spans] == [(0, 3)]


# -- the diff view on its own: what git's decoding spares it -----------------------------------
async def test_diff_view_shows_undecodable_paths_and_messages_as_written() -> None:
    path = "caf" + os.fsdecode(b"\xe9") + "/x[/b]y.py"  # as a caller may hand it over
    diff = f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-a\n+b\n"
    app = DiffApp(parse_diff(diff))
    async with app.run_test(size=(100, 20)) as pilot:
        view = app.query_one(DiffView)
        await drawn_until(
            pilot,
            lambda: ((drawn(view.file_list) or [""])[0], (drawn(view.pane) or [""])[0]),
            lambda rows: (
                rows[0].startswith("  caf\ufffd/x[/b]y.py ")
                and rows[1].startswith(" M caf\ufffd/x[/b]y.py ")
            ),
            "the path in the file list and the header",
        )
        view.show_message("cannot diff [bold]x[/]: x[/b]y \x1b[2J caf" + os.fsdecode(b"\xe9"))
        message = view.query_one("#diff-message", Static)
        await drawn_until(
            pilot,
            lambda: joined(drawn(message)),
            lambda text: text == "cannot diff [bold]x[/]: x[/b]y ␛[2J caf\ufffd",
            "the message",
        )
        screen_drawable(app)


# -- where Textual insists on markup (the palette's help line) -----------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "x[/b]y",
        "[bold]z[/]",
        "app/[id]/page.tsx",
        "a\\[b] and \\\\[c] and a trailing \\",
        "[1] [A] [$x] [@click=app.quit] [#fff] [on red] [link=x]y[/link]",
        "$var [[b]] ]][",
    ],
)
def test_escaped_text_reads_back_as_written(text: str) -> None:
    assert Content.from_markup(escape(text)).plain == text
