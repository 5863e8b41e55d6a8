"""DiffView under Pilot: navigation, viewed marks, lazy rendering and highlighting."""

from __future__ import annotations

import pytest
from pygments.lexer import Lexer
from rich.color import Color as RichColor
from textual.app import App, ComposeResult
from textual.strip import Strip

from squadron.core.diffparse import DiffLine, FileDiff, parse_diff
from squadron.ui.widgets import diff_view as diff_view_module
from squadron.ui.widgets.diff_view import DiffPane, DiffView, TokenLine

PY_FILE = """\
diff --git a/app/main.py b/app/main.py
index 1111111..2222222 100644
--- a/app/main.py
+++ b/app/main.py
@@ -1,4 +1,4 @@
 import os
-def old_name(): return 1
+def new_name(): return 2
 x = "text"
@@ -40,3 +40,4 @@ class Thing:
 a = 1
+b = 2
 c = 3
 d = 4
"""

MD_FILE = """\
diff --git a/README.md b/README.md
index 1111111..2222222 100644
--- a/README.md
+++ b/README.md
@@ -1 +1 @@
-# Old
+# New
"""

BIN_FILE = """\
diff --git a/logo.png b/logo.png
new file mode 100644
index 0000000..f9e371f
Binary files /dev/null and b/logo.png differ
"""


def many_files(count: int, hunks: int = 2, lines: int = 24) -> str:
    out: list[str] = []
    for f in range(count):
        path = f"pkg/mod_{f:04}.py"
        out.append(f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n")
        for h in range(hunks):
            start = 1 + 100 * h
            out.append(f"@@ -{start},{lines // 2} +{start},{lines // 2} @@\n")
            out.extend(f"-    value_{k} = old({k})\n" for k in range(lines // 2))
            out.extend(f"+    value_{k} = new({k})\n" for k in range(lines // 2))
    return "".join(out)


class DiffApp(App[None]):
    def __init__(self, files: list[FileDiff], viewed: set[str] | None = None) -> None:
        super().__init__()
        self.files = files
        self.viewed = viewed
        self.viewed_events: list[tuple[str, bool]] = []
        self.current_events: list[str | None] = []

    def compose(self) -> ComposeResult:
        yield DiffView()

    def on_mount(self) -> None:
        self.query_one(DiffView).show(self.files, self.viewed)

    def on_diff_view_viewed_changed(self, event: DiffView.ViewedChanged) -> None:
        self.viewed_events.append((event.path, event.viewed))

    def on_diff_view_current_file_changed(self, event: DiffView.CurrentFileChanged) -> None:
        self.current_events.append(None if event.file is None else event.file.path)


def text_of(strip: Strip) -> str:
    return "".join(segment.text for segment in strip)


def screen_lines(widget: DiffPane | DiffView) -> list[str]:
    target = widget.pane if isinstance(widget, DiffView) else widget
    height = target.scrollable_content_region.height
    return [text_of(target.render_line(y)) for y in range(height)]


def current_path(view: DiffView) -> str | None:
    file = view.current_file
    return None if file is None else file.path


async def test_shows_files_in_list_and_pane() -> None:
    app = DiffApp(parse_diff(PY_FILE + MD_FILE + BIN_FILE), viewed={"README.md"})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        view = app.query_one(DiffView)
        rows = [text_of(view.file_list.render_line(y)) for y in range(3)]
        assert "app/main.py" in rows[0] and "+2 -1" in rows[0]
        assert rows[1].startswith("✓ ") and "README.md" in rows[1]
        assert not rows[0].startswith("✓") and "bin" in rows[2]
        lines = screen_lines(view)
        assert "app/main.py" in lines[0]
        assert "@@ -1,4 +1,4 @@" in lines[1]
        assert any("def new_name" in line for line in lines)
        assert any("binary file added" in line for line in lines)
        assert current_path(view) == "app/main.py"


async def test_bracket_keys_move_between_files() -> None:
    app = DiffApp(parse_diff(PY_FILE + MD_FILE + BIN_FILE))
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(DiffView)
        view.pane.focus()
        await pilot.press("]")
        assert current_path(view) == "README.md"
        assert view.pane.cursor_row == view.pane.file_start(1)
        await pilot.press("]")
        assert current_path(view) == "logo.png"
        await pilot.press("]")  # at the last file: stays
        assert current_path(view) == "logo.png"
        await pilot.press("[", "[")
        assert current_path(view) == "app/main.py"
        await pilot.pause()
        assert app.current_events[-1] == "app/main.py"
        assert view.file_list.cursor == 0


async def test_brace_keys_move_between_hunks_across_files() -> None:
    app = DiffApp(parse_diff(PY_FILE + MD_FILE))
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(DiffView)
        pane = view.pane
        view.pane.focus()
        first, second = pane.hunk_rows(0)
        (third,) = pane.hunk_rows(1)
        await pilot.press("}")
        assert pane.cursor_row == first
        await pilot.press("}")
        assert pane.cursor_row == second
        assert current_path(view) == "app/main.py"
        await pilot.press("}")
        assert pane.cursor_row == third
        assert current_path(view) == "README.md"
        await pilot.press("{", "{")
        assert pane.cursor_row == first
        assert current_path(view) == "app/main.py"


async def test_v_marks_viewed_and_posts_message() -> None:
    app = DiffApp(parse_diff(PY_FILE + MD_FILE))
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(DiffView)
        view.pane.focus()
        await pilot.press("v")
        await pilot.pause()
        assert app.viewed_events == [("app/main.py", True)]
        assert view.viewed == {"app/main.py"}
        assert text_of(view.file_list.render_line(0)).startswith("✓ ")
        await pilot.press("]", "v", "[", "v")
        await pilot.pause()
        assert app.viewed_events == [
            ("app/main.py", True),
            ("README.md", True),
            ("app/main.py", False),
        ]
        assert view.viewed == {"README.md"}


async def test_enter_on_file_list_jumps_to_file() -> None:
    app = DiffApp(parse_diff(PY_FILE + MD_FILE + BIN_FILE))
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(DiffView)
        view.file_list.focus()
        await pilot.press("down", "down")
        assert current_path(view) == "app/main.py"  # moving the list cursor does not jump
        await pilot.press("enter")
        await pilot.pause()
        assert current_path(view) == "logo.png"
        assert view.pane.cursor_row == view.pane.file_start(2)


async def test_binding_ids_can_be_remapped() -> None:
    app = DiffApp(parse_diff(PY_FILE + MD_FILE))
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(DiffView)
        view.pane.focus()
        app.set_keymap({"diff.next_file": "n"})
        await pilot.press("n")
        assert current_path(view) == "README.md"


async def test_scrolling_updates_current_file_and_sticky_header() -> None:
    app = DiffApp(parse_diff(many_files(5)))
    async with app.run_test(size=(100, 20)) as pilot:
        view = app.query_one(DiffView)
        view.pane.focus()
        await pilot.press("pagedown", "pagedown", "pagedown")
        await pilot.pause()
        top = view.pane.scroll_offset.y
        index = view.pane.file_at_row(top)
        assert index is not None and index > 0
        assert current_path(view) == f"pkg/mod_{index:04}.py"
        assert f"pkg/mod_{index:04}.py" in screen_lines(view)[0]  # sticky file header


async def test_thousand_files_mount_and_render_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = diff_view_module.highlight_hunk_lines

    def counting(lexer: Lexer | None, lines: list[DiffLine]) -> list[TokenLine]:
        calls.append(len(lines))
        return original(lexer, lines)

    monkeypatch.setattr(diff_view_module, "highlight_hunk_lines", counting)
    files = parse_diff(many_files(1_000))
    assert sum(len(h.lines) for f in files for h in f.hunks) == 48_000
    app = DiffApp(files)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.query_one(DiffView)
        await pilot.pause()
        lines = screen_lines(view)
        assert "pkg/mod_0000.py" in lines[0]
        assert "value_0 = old(0)" in lines[2]
        # Only what was on screen got highlighted: a couple of hunks, not 2,000.
        assert 0 < len(calls) <= 4
        view.pane.focus()
        await pilot.press("]", "]", "]")
        await pilot.pause()
        assert current_path(view) == "pkg/mod_0003.py"
        assert len(calls) <= 12
        await pilot.press("end")  # an animated scroll: frames on the way get drawn too
        await pilot.pause()
        assert current_path(view) == "pkg/mod_0999.py"
        assert "pkg/mod_0999.py" in screen_lines(view)[0]
        assert len(calls) < 200


def _style_of(strip: Strip, text: str) -> tuple[RichColor | None, RichColor | None, bool]:
    for segment in strip:
        if segment.text == text and segment.style is not None:
            return segment.style.color, segment.style.bgcolor, bool(segment.style.bold)
    raise AssertionError(f"no segment {text!r} in {text_of(strip)!r}")


async def test_lines_are_highlighted_and_tinted() -> None:
    app = DiffApp(parse_diff(PY_FILE))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(DiffView)
        pane = view.pane
        removed, added, context = pane.render_line(3), pane.render_line(4), pane.render_line(2)
        assert "def old_name" in text_of(removed) and "def new_name" in text_of(added)
        keyword_fg, added_bg, _ = _style_of(added, "def")
        plain_fg, plain_bg, _ = _style_of(added, "(")
        assert keyword_fg != plain_fg  # the keyword got a theme colour from its token
        assert added_bg == plain_bg  # the tint spans the whole line
        _, removed_bg, _ = _style_of(removed, "def")
        _, context_bg, _ = _style_of(context, "import")
        assert len({added_bg, removed_bg, context_bg}) == 3
        assert added_bg is not None and removed_bg is not None
        ag = added_bg.get_truecolor()
        rd = removed_bg.get_truecolor()
        assert ag.green > ag.red and rd.red > rd.green  # green-tinted, red-tinted
        assert _style_of(pane.render_line(0), " M app/main.py")[2]  # bold file header
        # Line numbers in the gutter: old/new for context, one side for +/-.
        assert text_of(context).startswith("  1   1   import")
        assert text_of(removed).startswith("  2     - def")
        assert text_of(added).startswith("      2 + def")


async def test_theme_change_recolours_lines() -> None:
    app = DiffApp(parse_diff(PY_FILE))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        pane = app.query_one(DiffView).pane
        before = _style_of(pane.render_line(4), "def")
        app.theme = "textual-light"
        await pilot.pause()
        after = _style_of(pane.render_line(4), "def")
        assert before[1] != after[1]


async def test_message_and_loading_replace_the_diff() -> None:
    app = DiffApp([])
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(DiffView)
        message = view.query_one("#diff-message")
        assert message.display and not view.pane.display
        assert "No changes" in str(message.render())
        assert view.current_file is None
        view.show_loading("Loading t3…")
        await pilot.pause()
        assert "Loading t3…" in str(message.render())
        view.show(parse_diff(MD_FILE))
        await pilot.pause()
        assert view.pane.display and not message.display
        assert current_path(view) == "README.md"
        view.show_message("git failed: [bold]not markup[/]")
        await pilot.pause()
        assert "[bold]not markup[/]" in str(message.render())


class ThemedDiffApp(DiffApp):
    """An app restyles the widget through its component classes (e.g. with its own variables)."""

    CSS = """
    DiffPane > .diff-pane--added { background: #003300; }
    DiffPane > .diff-pane--removed { background: #4d0000; }
    """


async def test_app_css_overrides_component_colours() -> None:
    app = ThemedDiffApp(parse_diff(PY_FILE))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        pane = app.query_one(DiffView).pane
        _, added_bg, _ = _style_of(pane.render_line(4), "def")
        _, removed_bg, _ = _style_of(pane.render_line(3), "def")
        assert added_bg is not None and added_bg.get_truecolor().hex == "#003300"
        assert removed_bg is not None and removed_bg.get_truecolor().hex == "#4d0000"


def test_control_characters_never_reach_the_terminal() -> None:
    shown = diff_view_module.display_text("a\tb\x1b[2J\r\x9b\x7f")
    assert shown == "a   b␛[2J␍\ufffd␡"


async def test_escape_sequences_in_diff_are_shown_not_sent() -> None:
    text = PY_FILE.replace('x = "text"', 'x = "\x1b[31mred"')
    app = DiffApp(parse_diff(text))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        lines = screen_lines(app.query_one(DiffView))
        assert any("␛[31mred" in line for line in lines)
        assert not any("\x1b" in line for line in lines)


async def test_show_resets_position_unless_asked_to_keep_it() -> None:
    app = DiffApp(parse_diff(many_files(5)))
    async with app.run_test(size=(120, 20)) as pilot:
        view = app.query_one(DiffView)
        view.pane.focus()
        await pilot.press("]", "]")
        assert current_path(view) == "pkg/mod_0002.py"
        view.show_loading()
        await pilot.pause()
        view.show(parse_diff(many_files(4)), keep_position=True)
        await pilot.pause()
        assert current_path(view) == "pkg/mod_0002.py"
        assert "pkg/mod_0002.py" in screen_lines(view)[0]
        view.show(parse_diff(many_files(4)))
        await pilot.pause()
        assert current_path(view) == "pkg/mod_0000.py"
        assert "pkg/mod_0000.py" in screen_lines(view)[0]
