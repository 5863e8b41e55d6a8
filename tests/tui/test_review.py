"""The review screen under Pilot over a real engine, a real private tmux server and real git.

The fake agent (tests/fake_agent.py) does the agent's side: it writes files when told, and logs
every instruction it receives to $FAKE_AGENT_LOG, which is how a sent review is checked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pygments.lexer import Lexer
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.strip import Strip

from squadron.core.diffparse import DiffLine, parse_diff
from squadron.core.task import Comment
from squadron.engine.engine import Engine
from squadron.ui.screens import review as review_module
from squadron.ui.screens.main import MainScreen
from squadron.ui.screens.review import (
    CommentList,
    CommentScreen,
    ReviewScreen,
    TargetKind,
    comment_target,
)
from squadron.ui.widgets import diff_view as diff_view_module
from squadron.ui.widgets.checklist import Checklist, parse_criteria
from squadron.ui.widgets.diff_view import DiffPane, DiffSpot, DiffView, TokenLine
from tests.conftest import wait_until
from tests.integration.helpers import delivered
from tests.tui.conftest import RecordingApp, focused, shown, until
from tests.tui.test_diff_view import PY_FILE, many_files

SIZE = (160, 45)
ONE = "one.py"
TWO = "two.py"


def start_task(engine: Engine, prompt: str = "", acceptance: str = "") -> str:
    """A task on the fake agent, its first prompt typed by the supervisor."""
    tid = engine.new_task("Review me", prompt=prompt, agent="fake", acceptance=acceptance).id
    delivered(engine, tid)
    return tid


def worktree(engine: Engine, tid: str) -> Path:
    return Path(engine.get(tid).worktree)


def write_files(engine: Engine, tid: str, files: dict[str, str]) -> None:
    """Change the worktree directly (the reviewer's tests need multi-line files)."""
    root = worktree(engine, tid)
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def agent_writes(engine: Engine, tid: str, path: str, text: str) -> None:
    """Have the fake agent write ``text`` (one line) to ``path``, and wait for it."""
    target = worktree(engine, tid) / path
    engine.send(tid, f"write {path} {text}")
    wait_until(
        lambda: target.exists() and target.read_text() == text + "\n",
        timeout=15,
        message=f"the agent writing {path}",
    )


async def open_review(
    app: RecordingApp, pilot: Pilot[None], engine: Engine, tid: str
) -> ReviewScreen:
    screen = ReviewScreen(engine, tid)
    await app.push_screen(screen)
    await until(
        pilot,
        lambda: app.screen is screen and screen.task_data is not None and not screen.diff_loading,
        message="the review screen loaded",
    )
    return screen


def view_of(screen: ReviewScreen) -> DiffView:
    return screen.query_one(DiffView)


def current_path(screen: ReviewScreen) -> str | None:
    file = view_of(screen).current_file
    return None if file is None else file.path


async def cursor_to(pilot: Pilot[None], screen: ReviewScreen, path: str, text: str) -> None:
    """Move the cursor with keys: ``]`` to the file, then ``j`` to the line showing ``text``."""
    view = view_of(screen)
    view.focus_diff()
    for _ in range(len(view.files)):
        if current_path(screen) == path:
            break
        await pilot.press("]")
    assert current_path(screen) == path
    for _ in range(200):
        spot = view.cursor_spot()
        if spot is not None and spot.line is not None and spot.line.text == text:
            return
        await pilot.press("j")
    pytest.fail(f"no line {text!r} in {path}")


async def write_comment(
    pilot: Pilot[None], app: RecordingApp, screen: ReviewScreen, key: str, text: str
) -> None:
    """Press ``key`` (c, h or C), type ``text`` in the dialog and save it."""
    before = len(screen.comments)
    await pilot.press(key)
    await until(
        pilot,
        lambda: isinstance(app.screen, CommentScreen) and focused(app, "#text"),
        message="comment dialog",
    )
    await pilot.press(*text)
    await pilot.press("ctrl+s")
    await until(pilot, lambda: app.screen is screen, message="dialog closed")
    await until(pilot, lambda: len(screen.comments) == before + 1, message="comment listed")


def listed(screen: ReviewScreen) -> list[str]:
    """The comment list as drawn: one string per option (where, stale mark, first line)."""
    comments = screen.query_one(CommentList)
    out = []
    for index in range(comments.option_count):
        prompt = comments.get_option_at_index(index).prompt
        out.append(str(prompt).replace("\n", " | "))
    return out


def text_of(strip: Strip) -> str:
    return "".join(segment.text for segment in strip)


def pane_lines(pane: DiffPane) -> list[str]:
    return [text_of(pane.render_line(y)) for y in range(pane.scrollable_content_region.height)]


def fake_log(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


# -- a full round: comments on two files, stale after the agent's edit, send -----------------------
async def test_comment_two_files_stale_then_send_review(
    app: RecordingApp, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "agent.jsonl"
    monkeypatch.setenv("FAKE_AGENT_LOG", str(log))
    monkeypatch.setattr(review_module, "STALE_REFRESH_SECONDS", 3600)  # no periodic refresh
    tid = start_task(engine, prompt=f"write {ONE} alpha = 1;; write {TWO} beta = 2")
    wait_until(lambda: (worktree(engine, tid) / TWO).exists(), timeout=15, message="edits")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(app, pilot, engine, tid)
        assert {f.path for f in view_of(screen).files} == {ONE, TWO}
        await cursor_to(pilot, screen, ONE, "alpha = 1")
        await write_comment(pilot, app, screen, "c", "rename alpha")
        await cursor_to(pilot, screen, TWO, "beta = 2")
        await write_comment(pilot, app, screen, "c", "beta must be 3")
        assert len(listed(screen)) == 2
        assert [c.where for c in engine.get(tid).comments] == [f"{ONE}:1", f"{TWO}:1"]
        assert not any("stale" in line for line in listed(screen))

        # The agent changes one of the commented lines while the review is open.
        agent_writes(engine, tid, ONE, "alpha = 100")
        await pilot.press("r")
        await until(pilot, lambda: screen.stale == {1}, message="stale mark")
        assert view_of(screen).pane.has_focus  # a reload leaves the reviewer where they were
        spot = view_of(screen).cursor_spot()
        assert spot is not None and spot.line is not None and spot.line.text == "beta = 2"
        rows = listed(screen)
        assert "stale" in rows[0] and rows[0].startswith(f"{ONE}:1")
        assert "stale" not in rows[1]
        # Coming back to the screen (here from a dialog) refreshes the marks too.
        agent_writes(engine, tid, TWO, "beta = 3")
        await pilot.press("e")
        await until(
            pilot,
            lambda: isinstance(app.screen, CommentScreen) and focused(app, "#text"),
            message="edit dialog",
        )
        await pilot.press("escape")
        await until(pilot, lambda: screen.stale == {1, 2}, message="stale after resume")

        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), message="back to main")
        assert shown(app, "round 1 sent")
        task = engine.get(tid)
        assert len(task.rounds) == 1 and task.comments == []
        review = await until(
            pilot,
            lambda: next((m for m in fake_log(log) if m.startswith("Code review")), None),
            message="the review reaching the agent",
        )
        assert isinstance(review, str)
        assert f"{ONE}:1" in review and f"{TWO}:1" in review
        assert "> alpha = 1" in review and "> beta = 2" in review
        assert "rename alpha" in review and "beta must be 3" in review


# -- viewed marks ------------------------------------------------------------------------------
async def test_viewed_marks_persist_and_reset_when_the_agent_changes_the_file(
    app: RecordingApp, engine: Engine
) -> None:
    tid = start_task(engine, prompt=f"write {ONE} alpha = 1;; write {TWO} beta = 2")
    wait_until(lambda: (worktree(engine, tid) / TWO).exists(), timeout=15, message="edits")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(app, pilot, engine, tid)
        view = view_of(screen)
        view.focus_diff()
        assert current_path(screen) == ONE
        await pilot.press("v", "]", "v")
        await until(
            pilot,
            lambda: engine.viewed_files(tid, view.files) == {ONE, TWO},
            message="both marks stored",
        )
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), message="closed")

        again = await open_review(app, pilot, engine, tid)
        assert view_of(again).viewed == {ONE, TWO}  # a new screen: the marks were kept
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), message="closed")

        agent_writes(engine, tid, TWO, "beta = 3")  # the agent changes one file again
        third = await open_review(app, pilot, engine, tid)
        assert view_of(third).viewed == {ONE}
        files = view_of(third).file_list
        await until(pilot, lambda: text_of(files.render_line(0)).strip(), message="file list drawn")
        assert text_of(files.render_line(0)).startswith("✓ ")
        assert not text_of(view_of(third).file_list.render_line(1)).startswith("✓")


# -- scope: since the last review round --------------------------------------------------------
async def test_scope_since_last_review_shows_only_later_changes(
    app: RecordingApp, engine: Engine
) -> None:
    tid = start_task(engine, prompt=f"write {ONE} alpha = 1")
    wait_until(lambda: (worktree(engine, tid) / ONE).exists(), timeout=15, message="edit")
    engine.add_comment(tid, ONE, "please also add three.py", line=1)
    engine.send_review(tid)
    agent_writes(engine, tid, "three.py", "gamma = 3")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(app, pilot, engine, tid)
        view = view_of(screen)
        assert {f.path for f in view.files} == {ONE, "three.py"}
        assert "round 1" in str(screen.query_one("#review-round").render())
        await pilot.press("s")
        await until(
            pilot,
            lambda: not screen.diff_loading and [f.path for f in view.files] == ["three.py"],
            message="only the file changed since round 1",
        )
        assert screen.scope == "since"
        assert "since round 1" in str(screen.query_one("#review-scope").render())
        # The header's +/- still counts everything against the base.
        assert str(screen.query_one("#review-added").render()) == "+2"
        await pilot.press("s")
        await until(
            pilot,
            lambda: not screen.diff_loading and {f.path for f in view.files} == {ONE, "three.py"},
            message="all changes again",
        )
        assert screen.scope == "all"


# -- side by side ------------------------------------------------------------------------------
async def test_side_by_side_renders_both_sides(app: RecordingApp, engine: Engine) -> None:
    tid = start_task(engine)
    write_files(engine, tid, {"app.py": "print('hello, world')\nprint('bye')\n"})
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(app, pilot, engine, tid)
        view = view_of(screen)
        pane = view.pane
        await cursor_to(pilot, screen, "app.py", "print('bye')")
        assert not any(
            "print('hello')" in line and "hello, world" in line for line in pane_lines(pane)
        )
        await pilot.press("w")
        assert view.side_by_side
        assert "side by side" in str(screen.query_one("#review-layout").render())
        lines = pane_lines(pane)
        row = next(line for line in lines if "print('hello')" in line)
        half = len(row) // 2
        assert "print('hello')" in row[:half] and "print('hello, world')" in row[half:]
        assert "│" in row
        assert any(line[half:].find("print('bye')") >= 0 for line in lines)  # added: right only
        # The cursor stayed on its line; a comment there goes to its new-side line.
        spot = view.cursor_spot()
        assert spot is not None and spot.line is not None and spot.line.text == "print('bye')"
        await write_comment(pilot, app, screen, "c", "why bye")
        assert engine.get(tid).comments[0].where == "app.py:2"
        await pilot.press("w")
        assert not view.side_by_side
        spot = view.cursor_spot()
        assert spot is not None and spot.line is not None and spot.line.text == "print('bye')"
        assert any("●" in line and "print('bye')" in line for line in pane_lines(pane))


# -- a large diff ------------------------------------------------------------------------------
async def test_thousand_file_diff_opens_and_the_cursor_moves(
    app: RecordingApp, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    highlighted: list[int] = []
    original = diff_view_module.highlight_hunk_lines

    def counting(lexer: Lexer | None, lines: list[DiffLine]) -> list[TokenLine]:
        highlighted.append(len(lines))
        return original(lexer, lines)

    monkeypatch.setattr(diff_view_module, "highlight_hunk_lines", counting)
    tid = start_task(engine)
    body = "".join(f"value_{k} = compute({k})\n" for k in range(30))
    write_files(engine, tid, {f"pkg/mod_{n:04}.py": body for n in range(1_000)})
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(app, pilot, engine, tid)
        view = view_of(screen)
        pane = view.pane
        assert len(view.files) == 1_000, (app.shown, str(view.query_one("#diff-message").render()))
        assert str(screen.query_one("#review-added").render()) == "+30000"
        view.focus_diff()
        await pilot.press(*["j"] * 60)  # past the first screen: the view follows the cursor
        height = pane.scrollable_content_region.height
        assert pane.cursor_row == 61  # 33 rows a file: the blank row between files is skipped
        assert pane.scroll_offset.y < 61 < pane.scroll_offset.y + height
        assert current_path(screen) == "pkg/mod_0001.py"
        await pilot.press("pagedown", "pagedown", "k")
        assert pane.cursor_row == 61 + 2 * (height - 2) - 1
        assert pane.scroll_offset.y < pane.cursor_row < pane.scroll_offset.y + height
        index = pane.current_index
        assert index is not None and current_path(screen) == f"pkg/mod_{index:04}.py"
        await pilot.press("]", "]")
        assert current_path(screen) == f"pkg/mod_{index + 2:04}.py"
        await pilot.press("end")
        assert current_path(screen) == "pkg/mod_0999.py"
        spot = view.cursor_spot()
        assert spot is not None and spot.line is not None and spot.line.new_no == 30
        await write_comment(pilot, app, screen, "c", "last line")
        assert engine.get(tid).comments[0].where == "pkg/mod_0999.py:30"
        await pilot.press("home")
        assert current_path(screen) == "pkg/mod_0000.py" and pane.cursor_row == 0
        await pilot.pause()
        # Only what was on screen got highlighted, never the 1,000 files.
        assert 0 < len(highlighted) < 60


# -- hunk and file comments, edit, remove, disabled keys, the checklist ---------------------------
async def test_hunk_file_comments_edit_remove_and_disabled_keys(
    app: RecordingApp, engine: Engine
) -> None:
    tid = start_task(engine, acceptance="- [ ] greets the world\n- [x] keeps sys\n\n* no new deps")
    write_files(engine, tid, {"app.py": "import sys\nprint('hello, world')\n"})
    (worktree(engine, tid) / "README.md").unlink()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(app, pilot, engine, tid)
        checklist = screen.query_one(Checklist)
        assert [c.text for c in checklist.criteria] == [
            "greets the world",
            "keeps sys",
            "no new deps",
        ]
        assert "Acceptance criteria 1/3" in str(screen.query_one("#criteria-title").render())
        checklist.focus()
        await pilot.press("space")
        await until(
            pilot,
            lambda: "2/3" in str(screen.query_one("#criteria-title").render()),
            message="a criterion ticked",
        )
        assert checklist.ticked == [0, 1]

        # Keys that cannot run now say why.
        assert screen.check_action("send", ()) is None
        await pilot.press("S")
        assert shown(app, "no pending comments to send")
        await pilot.press("s")
        assert shown(app, "no review round yet")
        app.set_keymap({"review.scope": "o"})  # binding ids can be remapped
        app.shown.clear()
        await pilot.press("o")
        assert shown(app, "no review round yet")
        app.set_keymap({})
        await pilot.press("e")
        assert shown(app, "no pending comment selected")
        view = view_of(screen)
        view.focus_diff()
        assert current_path(screen) == "README.md"
        await pilot.press("c")
        assert shown(app, "README.md was deleted")
        assert not isinstance(app.screen, CommentScreen)

        await pilot.press("]")
        assert current_path(screen) == "app.py"
        await write_comment(pilot, app, screen, "h", "the hunk")  # on a file header: its hunk
        await write_comment(pilot, app, screen, "C", "the file")
        await cursor_to(pilot, screen, "app.py", "print('hello')")  # a removed line
        await write_comment(pilot, app, screen, "c", "kept?")  # goes to the nearest new line
        assert [c.where for c in engine.get(tid).comments] == ["app.py:1-2", "app.py", "app.py:1"]
        assert engine.get(tid).comments[0].quote == "import sys\nprint('hello, world')"
        assert listed(screen)[1] == "app.py | the file"

        comments = screen.query_one(CommentList)
        comments.focus()
        await pilot.press("end", "enter")  # shows where the comment is, in the diff
        spot = view.cursor_spot()
        assert spot is not None and spot.line is not None and spot.line.text == "import sys"
        assert view.pane.has_focus
        comments.focus()
        await pilot.press("home", "down")
        assert comments.selected is not None and comments.selected.where == "app.py"
        await pilot.press("e")
        await until(
            pilot,
            lambda: isinstance(app.screen, CommentScreen) and focused(app, "#text"),
            message="edit dialog",
        )
        await pilot.press(*" as a whole")
        await pilot.press("ctrl+s")
        await until(
            pilot,
            lambda: [c.text for c in screen.comments][1] == "the file as a whole",
            message="comment edited",
        )
        assert engine.get(tid).comments[1].text == "the file as a whole"
        await pilot.press("x")
        await until(pilot, lambda: len(screen.comments) == 2, message="comment removed")
        await pilot.press("delete")
        await until(pilot, lambda: len(screen.comments) == 1, message="another removed")
        remaining: list[Comment] = engine.get(tid).comments
        assert len(remaining) == 1 and screen.check_action("send", ()) is True


# -- the pure parts ------------------------------------------------------------------------------
REPLACE = """\
diff --git a/m.py b/m.py
--- a/m.py
+++ b/m.py
@@ -1,4 +1,3 @@
 keep = 0
-old_a = 1
-old_b = 2
+new_a = 1
 tail = 3
@@ -10,2 +9,0 @@
-gone_1
-gone_2
"""


def test_side_by_side_pairs_face_removed_and_added_lines() -> None:
    (file,) = parse_diff(REPLACE)
    lines = file.hunks[0].lines
    assert diff_view_module.side_by_side_pairs(lines) == [(0, 0), (1, 3), (2, -1), (4, 4)]
    no_newline = "@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n"
    (marked,) = parse_diff("diff --git a/x b/x\n--- a/x\n+++ b/x\n" + no_newline)
    marker = marked.hunks[0].lines
    assert diff_view_module.side_by_side_pairs(marker) == [(0, 2), (1, -1)]


def test_comment_targets() -> None:
    (file,) = parse_diff(REPLACE)
    hunks = {1: file.hunks[0], 2: file.hunks[1]}

    def target(hunk_no: int | None, index: int, kind: TargetKind) -> str | None:
        hunk = None if hunk_no is None else hunks[hunk_no]
        line = None if hunk is None or index < 0 else hunk.lines[index]
        found = comment_target(DiffSpot(0, file, hunk, line, index), kind)
        return None if found is None else found.where

    assert target(1, 0, "line") == "m.py:1"
    assert target(1, 1, "line") == "m.py:2"  # removed: the next new-side line
    assert target(1, 3, "line") == "m.py:2"
    assert target(2, 0, "line") == "m.py:9"  # removals only: the line they followed
    assert target(1, -1, "line") == "m.py:1-3"  # on a hunk header: the hunk
    assert target(None, -1, "line") == "m.py"  # on the file header: the file
    assert target(1, 2, "hunk") == "m.py:1-3"
    assert target(None, -1, "hunk") == "m.py:1-3"  # the file's first hunk
    assert target(2, 1, "hunk") == "m.py:9"
    assert target(1, 1, "file") == "m.py"


def test_parse_criteria() -> None:
    items = parse_criteria("  - [x] done\n* [ ] todo\n1. numbered\n\n2) other\nplain [b]x[/b]\n")
    assert [(i.text, i.ticked) for i in items] == [
        ("done", True),
        ("todo", False),
        ("numbered", False),
        ("other", False),
        ("plain [b]x[/b]", False),
    ]


# -- the line cursor, without an engine -----------------------------------------------------------
class CursorApp(App[None]):
    def __init__(self, text: str, line_cursor: bool = True) -> None:
        super().__init__()
        self.text, self.line_cursor = text, line_cursor

    def compose(self) -> ComposeResult:
        yield DiffView(line_cursor=self.line_cursor)

    def on_mount(self) -> None:
        view = self.query_one(DiffView)
        view.show(parse_diff(self.text))
        view.focus_diff()


def visible(pane: DiffPane) -> bool:
    top, height = pane.scroll_offset.y, pane.scrollable_content_region.height
    return top < pane.cursor_row < top + height or pane.cursor_row == pane.row_at(0)


async def test_line_cursor_keys_follow_and_are_followed_by_the_view() -> None:
    app = CursorApp(many_files(6))  # 6 files x 53 rows
    async with app.run_test(size=(100, 20)) as pilot:
        pane = app.query_one(DiffView).pane
        height = pane.scrollable_content_region.height
        await pilot.press("j", "j", "down")
        assert pane.cursor_row == 3
        await pilot.press("k")
        assert pane.cursor_row == 2
        await pilot.press("pagedown")
        assert pane.cursor_row == 2 + height - 2 and visible(pane)
        pane.scroll_to(y=150, animate=False)  # the wheel, or the scroll bar
        await pilot.pause()
        assert pane.cursor_row == 151 and visible(pane)
        await pilot.press("up")
        assert pane.cursor_row == 150 and visible(pane)
        cursor_row = pane.cursor_row - pane.scroll_offset.y
        lines = [pane.render_line(y) for y in range(height)]
        backgrounds = {seg.style.bgcolor for seg in lines[cursor_row] if seg.style is not None}
        above = {seg.style.bgcolor for seg in lines[cursor_row - 1] if seg.style is not None}
        assert backgrounds.isdisjoint(above)  # the cursor row is highlighted
        await pilot.press("end")
        assert pane.cursor_row == pane.total_rows - 2 and visible(pane)
        assert pane.current_index == 5
        await pilot.press("home")
        assert pane.cursor_row == 0 and pane.scroll_offset.y == 0


async def test_without_line_cursor_j_and_k_are_left_to_the_screen() -> None:
    app = CursorApp(PY_FILE, line_cursor=False)
    async with app.run_test(size=(100, 20)) as pilot:
        pane = app.query_one(DiffView).pane
        await pilot.press("j", "j")
        assert pane.cursor_row == 0
        assert not isinstance(pane, diff_view_module.CursorDiffPane)
