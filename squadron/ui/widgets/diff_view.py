"""A fast diff viewer: a file list beside a syntax-highlighted diff, unified or side by side.

Both parts use Textual's Line API (``ScrollView`` + ``render_line``): only the rows on screen
are ever rendered, so a diff of thousands of files opens at once. Highlighting is done lazily,
per block of a hunk, when a row of that block is first drawn, and cached. The widget is given
parsed data (:func:`squadron.core.diffparse.parse_diff`); it runs no git.

Messages: :class:`DiffView.ViewedChanged` when ``v`` toggles a file's viewed mark, and
:class:`DiffView.CurrentFileChanged` when the file under review changes.

Binding ids (remap them with ``App.set_keymap``): ``diff.next_file``, ``diff.previous_file``,
``diff.next_hunk``, ``diff.previous_hunk``, ``diff.toggle_viewed``; on the file list,
``diff.open_file``; with ``DiffView(line_cursor=True)``, on the pane: ``diff.cursor_down``,
``diff.cursor_up``, ``diff.page_down``, ``diff.page_up``, ``diff.first_line``,
``diff.last_line``.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar, Literal

from pygments.lexer import Lexer
from pygments.lexers import get_lexer_for_filename
from pygments.token import Token, _TokenType
from pygments.util import ClassNotFound
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.highlight import HighlightTheme
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style
from textual.widget import Widget
from textual.widgets import Static

from squadron.core.diffparse import DiffLine, FileDiff, FileStatus, Hunk
from squadron.core.text import clean
from squadron.ui.widgets import plain

__all__ = [
    "CursorDiffPane",
    "DiffFileList",
    "DiffPane",
    "DiffSpot",
    "DiffView",
    "side_by_side_pairs",
]

TokenLine = list[tuple[str, str]]
"""One highlighted line: ``(text, style)`` pairs, where a style may use theme variables."""

HIGHLIGHT_BLOCK = 200
"""Hunk lines highlighted together; the lexer restarts at each block (bounded work per row)."""
MAX_HIGHLIGHT_LINE = 1_000
"""Longer lines (minified code, data) are shown plain: lexing them would stall the UI."""
TAB_SIZE = 4

# Nothing from a diff may reach the terminal as a control sequence: C0 controls (but tab, which
# is expanded) and DEL become their visible "control picture", C1 controls become U+FFFD. Paths
# and lines are drawn as segments, never parsed as markup.
_CONTROL_PICTURES = (
    {code: 0x2400 + code for code in range(32) if code != 9}
    | {127: 0x2421}
    | dict.fromkeys(range(0x80, 0xA0), 0xFFFD)
)
_STATUS_LETTER = {
    FileStatus.ADDED: "A",
    FileStatus.DELETED: "D",
    FileStatus.MODIFIED: "M",
    FileStatus.RENAMED: "R",
    FileStatus.BINARY: "B",
}


def display_text(text: str) -> str:
    """``text`` as it is drawn: tabs expanded, control characters made visible, lone
    surrogates (undecodable bytes, which the terminal writer cannot encode) as U+FFFD."""
    if "\t" in text:
        text = text.expandtabs(TAB_SIZE)
    if not text.isascii():
        text = clean(text)
    return text.translate(_CONTROL_PICTURES)


@lru_cache(maxsize=512)
def _lexer_for(name: str) -> Lexer | None:
    """The Pygments lexer for a file name (by extension or well-known name), or ``None``."""
    try:
        return get_lexer_for_filename(name, stripnl=False, ensurenl=True)
    except ClassNotFound:
        return None
    except Exception:  # a broken third-party lexer plugin must not break the view
        return None


def lexer_for_path(path: str) -> Lexer | None:
    base = os.path.basename(path)
    stem, ext = os.path.splitext(base)
    # Cache by extension where there is one (1,000 ``.py`` files cost one lookup), else by name.
    return _lexer_for(f"x{ext.lower()}" if ext and stem else base)


HIGHLIGHT_STYLES: dict[_TokenType, str] = {
    **HighlightTheme.STYLES,
    # Textual's theme, with function and class names in the primary colour and no underline
    # (in several themes accent and warning are one colour; underlines are noise in a diff).
    Token.Name.Function: "$text-primary",
    Token.Name.Function.Magic: "$text-primary",
    Token.Name.Class: "$text-primary bold",
    Token.Comment: "$text 60% italic",
}
"""Pygments token type → style; values use theme variables, so a theme change recolours."""

_TOKEN_STYLES: dict[_TokenType, str] = {}


def _token_style(token_type: _TokenType) -> str:
    style = _TOKEN_STYLES.get(token_type)
    if style is None:
        styles = HIGHLIGHT_STYLES
        node: _TokenType | None = token_type
        style = ""
        while node is not None:
            if found := styles.get(node):
                style = found
                break
            node = node.parent
        _TOKEN_STYLES[token_type] = style
    return style


def highlight_lines(lexer: Lexer, texts: list[str]) -> list[TokenLine]:
    """Lex ``texts`` (one source line each) as one stream; return tokens per line."""
    code = "\n".join(texts) + "\n"
    out: list[TokenLine] = [[]]
    for token_type, value in lexer.get_tokens(code):
        style = _token_style(token_type)
        parts = value.split("\n")
        for index, part in enumerate(parts):
            if index:
                out.append([])
            if part:
                out[-1].append((part, style))
    # Keep the result aligned with the input whatever the lexer did with newlines.
    del out[len(texts) :]
    while len(out) < len(texts):
        out.append([(texts[len(out)], "")])
    return out


def highlight_hunk_lines(lexer: Lexer | None, lines: list[DiffLine]) -> list[TokenLine]:
    """Tokens for each line of a hunk (slice).

    The old side (context and removed lines) and the new side (context and added lines) are
    lexed as two streams, so a construct spanning several lines reads as the file did.
    """
    texts = [display_text(line.text) for line in lines]
    result: list[TokenLine] = [[(text, "")] for text in texts]
    if lexer is None:
        return result
    for side in ("-", "+"):
        index = [i for i, line in enumerate(lines) if line.kind == side or line.kind == " "]
        if not index:
            continue
        stream = [texts[i] if len(texts[i]) <= MAX_HIGHLIGHT_LINE else "" for i in index]
        try:
            tokens = highlight_lines(lexer, stream)
        except Exception:  # a lexer bug shows plain text, never a traceback
            tokens = [[(text, "")] for text in stream]
        for i, line_tokens in zip(index, tokens, strict=True):
            if len(texts[i]) > MAX_HIGHLIGHT_LINE or (side == "-" and lines[i].kind == " "):
                continue
            result[i] = line_tokens
    return result


def _file_note(file: FileDiff) -> str:
    """What to say for a file that has no hunks."""
    if file.status == FileStatus.BINARY:
        if file.new_mode and not file.old_mode:
            return "binary file added (not shown)"
        if file.old_mode and not file.new_mode:
            return "binary file deleted (not shown)"
        return "binary file changed (not shown)"
    if file.old_mode and file.new_mode and file.old_mode != file.new_mode:
        return f"mode changed {file.old_mode} → {file.new_mode}"
    if file.status == FileStatus.ADDED:
        return "empty file added"
    if file.status == FileStatus.DELETED:
        return "empty file deleted"
    if file.status == FileStatus.RENAMED:
        return "renamed without changes"
    return "no content changes"


def _stats(file: FileDiff) -> str:
    return "bin" if file.status == FileStatus.BINARY else f"+{file.added} -{file.removed}"


def _crop_left(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, cut at the start (keeps the file name visible)."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    if width == 1:
        return "…"
    start = max(0, len(text) - width + 1)
    while start < len(text) and cell_len(text[start:]) > width - 1:
        start += 1
    return "…" + text[start:]


RowKind = Literal["file", "note", "hunk", "line", "blank"]
Part = tuple[Strip, Strip, RichStyle]
"""A rendered row (or half row): fixed part, horizontally scrolling part, style of the rest."""


def side_by_side_pairs(lines: list[DiffLine]) -> list[tuple[int, int]]:
    """The rows of a hunk shown side by side, as ``(old index, new index)`` into ``lines``.

    ``-1`` leaves that side blank. A context line fills both sides (same index twice); a run of
    removed lines faces the run of added lines that follows it; a ``\\`` marker goes on the
    side of the line it is about.
    """
    pairs: list[tuple[int, int]] = []
    old: list[int] = []
    new: list[int] = []

    def flush() -> None:
        for k in range(max(len(old), len(new))):
            pairs.append((old[k] if k < len(old) else -1, new[k] if k < len(new) else -1))
        old.clear()
        new.clear()

    last = " "
    for i, line in enumerate(lines):
        kind = line.kind
        if kind == "-":
            if new:
                flush()
            old.append(i)
        elif kind == "+":
            new.append(i)
        elif kind == "\\":
            if last == "-":
                old.append(i)
            elif last == "+":
                new.append(i)
            else:
                flush()
                pairs.append((i, i))
            continue
        else:
            flush()
            pairs.append((i, i))
        last = kind
    flush()
    return pairs


@dataclass(frozen=True)
class DiffSpot:
    """What a row of the pane shows, for commenting on it.

    ``hunk`` is ``None`` on a file header, a note or a separator. ``line`` is ``None`` on a
    header; on a side-by-side row it is the new side's line when there is one.
    ``line_index`` is the index of ``line`` in ``hunk.lines`` (``-1`` without a line).
    """

    index: int
    file: FileDiff
    hunk: Hunk | None
    line: DiffLine | None
    line_index: int


class DiffPane(ScrollView, can_focus=True):
    """Every file's diff, one after the other, rendered line by line.

    Unified by default; :meth:`set_side_by_side` shows the old side on the left and the new
    side on the right (still one rendered row per visible line). With ``line_cursor`` (see
    :class:`CursorDiffPane`) a highlighted cursor row moves line by line and the view follows
    it; otherwise the cursor is the last row jumped to, or the top visible row.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "diff-pane--file-header",
        "diff-pane--file-header-current",
        "diff-pane--hunk-header",
        "diff-pane--hunk-header-current",
        "diff-pane--note",
        "diff-pane--context",
        "diff-pane--added",
        "diff-pane--removed",
        "diff-pane--gutter",
        "diff-pane--gutter-added",
        "diff-pane--gutter-removed",
        "diff-pane--marker",
        "diff-pane--empty",
        "diff-pane--cursor",
        "diff-pane--comment-mark",
    }

    DEFAULT_CSS = """
    DiffPane {
        background: $surface;
        & > .diff-pane--file-header { background: $panel; color: $text; text-style: bold; }
        & > .diff-pane--file-header-current {
            background: $accent 40%; color: $text; text-style: bold;
        }
        & > .diff-pane--hunk-header { background: $primary 8%; color: $text-primary 70%; }
        & > .diff-pane--hunk-header-current { background: $primary 25%; color: $text-primary; }
        & > .diff-pane--note { color: $text-muted; text-style: italic; }
        & > .diff-pane--context { }
        & > .diff-pane--added { background: $success 15%; }
        & > .diff-pane--removed { background: $error 15%; }
        & > .diff-pane--gutter { color: $text-muted; }
        & > .diff-pane--gutter-added { background: $success 28%; color: $text-muted; }
        & > .diff-pane--gutter-removed { background: $error 28%; color: $text-muted; }
        & > .diff-pane--marker { color: $text-muted; text-style: italic; }
        & > .diff-pane--empty { background: $panel 50%; }
        & > .diff-pane--cursor { background: $primary 18%; }
        &:focus > .diff-pane--cursor { background: $primary 40%; }
        & > .diff-pane--comment-mark { color: $text-warning; text-style: bold; }
    }
    """

    class CurrentChanged(Message):
        """The file under review (``index`` into the files, or ``None``) changed."""

        def __init__(self, index: int | None) -> None:
            self.index = index
            super().__init__()

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        line_cursor: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._line_cursor = line_cursor
        self._side_by_side = False
        self._files: list[FileDiff] = []
        self._viewed: set[str] = set()
        self._marks: dict[str, tuple[int, set[int]]] = {}
        self._file_starts: list[int] = []
        self._file_starts_set: set[int] = set()
        self._hunk_rows: list[list[int]] = []
        self._all_hunk_rows: list[int] = []
        self._pairs: list[list[list[tuple[int, int]]]] = []
        self._total = 0
        self._widest = 0
        self._num_width = 3
        self._cursor_row = 0
        self._current: int | None = None
        self._highlights: LRUCache[tuple[int, int, int], list[TokenLine]] = LRUCache(512)
        self._rows: LRUCache[int, tuple[Part, ...]] = LRUCache(2048)
        self._styles: dict[tuple[str, str], RichStyle] = {}

    # -- data ----------------------------------------------------------------------------------

    @property
    def files(self) -> list[FileDiff]:
        return self._files

    @property
    def current_index(self) -> int | None:
        return self._current

    @property
    def line_cursor(self) -> bool:
        """Whether the pane shows a line cursor that the keys move."""
        return self._line_cursor

    @property
    def side_by_side(self) -> bool:
        return self._side_by_side

    @property
    def total_rows(self) -> int:
        return self._total

    @property
    def gutter_width(self) -> int:
        """Cells left of the code: old and new line numbers, then the ``+``/``-`` marker."""
        return 2 * self._num_width + 4

    @property
    def half_gutter_width(self) -> int:
        """Cells left of the code on each side of the side-by-side view."""
        return self._num_width + 3

    def set_files(self, files: list[FileDiff], viewed: set[str]) -> None:
        """Lay out ``files`` (O(files + hunks + lines) cheap arithmetic, no rendering)."""
        self._files = files
        self._viewed = viewed
        self._layout()
        self._highlights.clear()
        self._cursor_row = 0
        self.scroll_to(0, 0, animate=False, force=True)
        self._current = 0 if files else None  # new files: tell even when the index is unchanged
        self.post_message(self.CurrentChanged(self._current))
        self.refresh()

    def _layout(self) -> None:
        """Number the rows of every file, hunk and line for the current view."""
        side_by_side = self._side_by_side
        starts: list[int] = []
        hunk_rows: list[list[int]] = []
        all_hunks: list[int] = []
        all_pairs: list[list[list[tuple[int, int]]]] = []
        row = 0
        widest = 0
        max_no = 1
        for file in self._files:
            starts.append(row)
            row += 1  # file header
            rows: list[int] = []
            file_pairs: list[list[tuple[int, int]]] = []
            if not file.hunks:
                row += 1  # a note in place of hunks
            for hunk in file.hunks:
                rows.append(row)
                if side_by_side:
                    pairs = side_by_side_pairs(hunk.lines)
                    file_pairs.append(pairs)
                    row += 1 + len(pairs)
                else:
                    row += 1 + len(hunk.lines)
                max_no = max(max_no, hunk.old_start + hunk.old_len, hunk.new_start + hunk.new_len)
                for line in hunk.lines:
                    text = line.text
                    size = len(text) + (3 * text.count("\t") if "\t" in text else 0)
                    if size > widest:
                        widest = size
            hunk_rows.append(rows)
            all_pairs.append(file_pairs)
            all_hunks.extend(rows)
            row += 1  # blank separator
        self._file_starts = starts
        self._file_starts_set = set(starts)
        self._hunk_rows = hunk_rows
        self._all_hunk_rows = all_hunks
        self._pairs = all_pairs
        self._total = row
        self._widest = widest
        self._num_width = max(3, len(str(max_no)))
        self._rows.clear()
        self._update_virtual_size()

    def _update_virtual_size(self) -> None:
        if self._side_by_side:
            # Both sides scroll together: as far as the widest line needs on one side.
            width = self.scrollable_content_region.width
            room = (width - 1) // 2 - self.half_gutter_width
            extra = max(0, self._widest + 1 - room) if width > 0 else self._widest
            self.virtual_size = Size(max(0, width) + extra, self._total)
        else:
            self.virtual_size = Size(self.gutter_width + self._widest + 1, self._total)

    def set_viewed(self, viewed: set[str]) -> None:
        self._viewed = viewed
        self._rows.clear()
        self.refresh()

    def set_comment_marks(self, marks: dict[str, list[int | None]]) -> None:
        """Mark where comments are: path → the first new-side line of each comment on that
        file (``None`` for a comment on the whole file). Headers show the count, lines a ``●``.
        """
        self._marks = {
            path: (len(lines), {line for line in lines if line is not None})
            for path, lines in marks.items()
            if lines
        }
        self._rows.clear()
        self.refresh()

    def set_side_by_side(self, side_by_side: bool) -> None:
        """Switch between the unified and the side-by-side view, keeping the cursor's line
        where it was on screen."""
        if side_by_side == self._side_by_side:
            return
        if not self._files:
            self._side_by_side = side_by_side
            self._layout()
            return
        kind, fi, hi, bi = self.locate(self._cursor_row)
        line_index = -1
        if kind == "line":
            old, new = self._line_indices(fi, hi, bi)
            line_index = new if new >= 0 else old
        on_screen = self._cursor_row - self.scroll_offset.y
        self._side_by_side = side_by_side
        self._layout()
        if kind == "file":
            row = self._file_starts[fi]
        elif kind in ("note", "blank"):
            end = self._file_starts[fi + 1] if fi + 1 < len(self._files) else self._total
            row = self._file_starts[fi] + 1 if kind == "note" else end - 1
        elif kind == "hunk" or line_index < 0:
            row = self._hunk_rows[fi][hi]
        else:
            row = self._hunk_rows[fi][hi] + 1 + self._body_index(fi, hi, line_index)
        self._cursor_row = row
        self.scroll_to(y=max(0, row - on_screen), animate=False, force=True, immediate=True)
        self.refresh()

    def _line_indices(self, fi: int, hi: int, bi: int) -> tuple[int, int]:
        """Row ``bi`` of hunk ``hi`` as ``(old line index, new line index)`` (-1: none)."""
        if self._side_by_side:
            return self._pairs[fi][hi][bi]
        line = self._files[fi].hunks[hi].lines[bi]
        return (-1 if line.kind == "+" else bi, -1 if line.kind == "-" else bi)

    def _body_index(self, fi: int, hi: int, line_index: int) -> int:
        """The row (within its hunk) that shows line ``line_index`` of hunk ``hi``."""
        if not self._side_by_side:
            return line_index
        for bi, (old, new) in enumerate(self._pairs[fi][hi]):
            if line_index in (old, new):
                return bi
        return 0

    # -- navigation ----------------------------------------------------------------------------

    def file_at_row(self, row: int) -> int | None:
        if not self._files:
            return None
        return max(0, bisect_right(self._file_starts, row) - 1)

    def file_start(self, index: int) -> int:
        return self._file_starts[index]

    def hunk_rows(self, index: int) -> list[int]:
        """Rows of the hunk headers of file ``index``."""
        return self._hunk_rows[index]

    @property
    def cursor_row(self) -> int:
        """The line cursor's row; without ``line_cursor``, the row the last jump went to (a file
        or hunk header), or the top visible row."""
        return self._cursor_row

    def spot_at(self, row: int) -> DiffSpot | None:
        """What ``row`` shows (``None`` when there are no files or no such row)."""
        if not self._files or not 0 <= row < self._total:
            return None
        kind, fi, hi, bi = self.locate(row)
        file = self._files[fi]
        if hi < 0:
            return DiffSpot(fi, file, None, None, -1)
        hunk = file.hunks[hi]
        if kind == "hunk":
            return DiffSpot(fi, file, hunk, None, -1)
        old, new = self._line_indices(fi, hi, bi)
        index = new if new >= 0 else old
        return DiffSpot(fi, file, hunk, hunk.lines[index], index)

    def cursor_spot(self) -> DiffSpot | None:
        return self.spot_at(self._cursor_row)

    def row_of_line(self, index: int, line: int | None) -> int:
        """The row showing new-side line ``line`` of file ``index``: that line's row, else the
        header of the hunk around it, else the file's header (also for ``line=None``)."""
        start = self._file_starts[index]
        if line is None:
            return start
        for hi, hunk in enumerate(self._files[index].hunks):
            if hunk.new_start <= line < hunk.new_start + max(1, hunk.new_len):
                for li, diff_line in enumerate(hunk.lines):
                    if diff_line.new_no == line:
                        return self._hunk_rows[index][hi] + 1 + self._body_index(index, hi, li)
                return self._hunk_rows[index][hi]
        return start

    def jump_to_row(self, row: int) -> None:
        """Make ``row`` the cursor and scroll it to the top of the pane (just under the
        sticky file header when ``row`` is inside a file)."""
        if not self._files:
            return
        row = max(0, min(row, self._total - 1))
        self._cursor_row = row
        self._set_current(self.file_at_row(row))
        self._rows.clear()
        top = row if row in self._file_starts_set else row - 1
        self.scroll_to(y=max(0, top), animate=False, force=True, immediate=self._line_cursor)
        self.refresh()

    def jump_to_file(self, index: int) -> None:
        if 0 <= index < len(self._files):
            self.jump_to_row(self._file_starts[index])

    def next_hunk_row(self, forward: bool) -> int | None:
        rows = self._all_hunk_rows
        if forward:
            at = bisect_right(rows, self._cursor_row)
            return rows[at] if at < len(rows) else None
        at = bisect_right(rows, self._cursor_row - 1) - 1
        return rows[at] if at >= 0 else None

    def _is_blank(self, row: int) -> bool:
        fi = bisect_right(self._file_starts, row) - 1
        end = self._file_starts[fi + 1] if fi + 1 < len(self._files) else self._total
        return row == end - 1

    def _row_after(self, delta: int) -> int:
        """The cursor's row moved by ``delta`` (separator rows are stepped over)."""
        last = self._total - 2  # the last row is a separator
        row = max(0, min(self._cursor_row + delta, last))
        if self._is_blank(row):
            row += 1 if delta > 0 else -1
        return row

    def move_cursor(self, delta: int) -> None:
        """Move the line cursor ``delta`` rows (separator rows are stepped over)."""
        if self._files:
            self.place_cursor(self._row_after(delta))

    def page_cursor(self, direction: int) -> None:
        """Scroll a page and move the line cursor as far."""
        if not self._files:
            return
        step = direction * max(1, self.scrollable_content_region.height - 2)
        row = self._row_after(step)
        self._rows.discard(self._cursor_row)
        self._cursor_row = row  # first, so the scroll does not pull the old cursor along
        top = max(0, min(self.scroll_offset.y + step, self.max_scroll_y))
        self.scroll_to(y=top, animate=False, force=True, immediate=True)
        self.place_cursor(row)

    def place_cursor(self, row: int) -> None:
        """Put the line cursor on ``row`` and scroll just enough to show it."""
        if not self._files:
            return
        row = max(0, min(row, self._total - 1))
        old = self._cursor_row
        self._cursor_row = row
        self._rows.discard(old)  # a hunk header's look depends on the cursor
        self._rows.discard(row)
        self._set_current(self.file_at_row(row))
        self._scroll_to_cursor()
        self.refresh()

    def _scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        row, top = self._cursor_row, self.scroll_offset.y
        is_start = row in self._file_starts_set
        if row == top and is_start:
            return  # a file header on the top row is drawn there
        if row <= top:  # above, or hidden under the sticky header
            target = row if is_start else row - 1
        elif row > top + height - 1:
            target = row - height + 1
        else:
            return
        self.scroll_to(y=max(0, target), animate=False, force=True, immediate=True)

    def _set_current(self, index: int | None) -> None:
        if index != self._current:
            self._current = index
            self._rows.clear()
            self.post_message(self.CurrentChanged(index))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        height = self.scrollable_content_region.height
        if not self._files or height <= 0:
            return
        top = round(new_value)
        row = self._cursor_row
        if self._line_cursor:
            # The view moved on its own (wheel, scroll bar): keep the cursor on screen.
            if row == top and row in self._file_starts_set:
                return
            if row <= top:
                row = top if top in self._file_starts_set else top + 1
            elif row > top + height - 1:
                row = top + height - 1
            else:
                return
            self._cursor_row = min(row, max(0, self._total - 2))
            self._set_current(self.file_at_row(self._cursor_row))
            self.refresh()
            return
        if not top <= row < top + height:
            # The user scrolled the cursor out of view: review what is now on top.
            self._cursor_row = top
            self._set_current(self.file_at_row(top))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self._files:
            return
        row = self.row_at(offset.y)
        if row < self._total:
            self._cursor_row = row
            self._set_current(self.file_at_row(row))
            self._rows.clear()
            self.refresh()

    def on_focus(self) -> None:
        if self._line_cursor:
            self.refresh()

    def on_blur(self) -> None:
        if self._line_cursor:
            self.refresh()

    # -- rendering -----------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        self._styles.clear()
        self._rows.clear()
        super().notify_style_update()
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._rows.clear()
        if self._side_by_side:
            self._update_virtual_size()

    def locate(self, row: int) -> tuple[RowKind, int, int, int]:
        """What ``row`` shows: ``(kind, file index, hunk index, row within the hunk)`` (-1 where
        n/a). The row within the hunk is the line's index in the unified view and the index of
        its pair (see :func:`side_by_side_pairs`) side by side."""
        fi = bisect_right(self._file_starts, row) - 1
        start = self._file_starts[fi]
        if row == start:
            return "file", fi, -1, -1
        end = self._file_starts[fi + 1] if fi + 1 < len(self._files) else self._total
        if row == end - 1:
            return "blank", fi, -1, -1
        rows = self._hunk_rows[fi]
        if not rows:
            return "note", fi, -1, -1
        hi = bisect_right(rows, row) - 1
        if row == rows[hi]:
            return "hunk", fi, hi, -1
        return "line", fi, hi, row - rows[hi] - 1

    def _rich(self, component: str, style: str = "") -> RichStyle:
        """The Rich style of ``style`` (theme variables allowed) drawn over ``component``."""
        key = (component, style)
        rich = self._styles.get(key)
        if rich is None:
            base = self.get_visual_style(component)
            rich = (base + Style.parse(style)).rich_style if style else base.rich_style
            self._styles[key] = rich
        return rich

    def _mark_style(self, gutter_component: str) -> RichStyle:
        """The comment mark's component drawn over a gutter's (its tint shows through)."""
        key = (gutter_component, "diff-pane--comment-mark")
        rich = self._styles.get(key)
        if rich is None:
            rich = self.get_visual_style(gutter_component, "diff-pane--comment-mark").rich_style
            self._styles[key] = rich
        return rich

    def highlighted(self, fi: int, hi: int, li: int) -> TokenLine:
        """Tokens of line ``li`` of hunk ``hi`` of file ``fi``, highlighting its block once."""
        block = li // HIGHLIGHT_BLOCK
        key = (fi, hi, block)
        tokens = self._highlights.get(key)
        if tokens is None:
            file = self._files[fi]
            start = block * HIGHLIGHT_BLOCK
            lines = file.hunks[hi].lines[start : start + HIGHLIGHT_BLOCK]
            tokens = highlight_hunk_lines(lexer_for_path(file.path), lines)
            self._highlights[key] = tokens
        return tokens[li % HIGHLIGHT_BLOCK]

    def _text_row(self, text: str, component: str, width: int, right: str = "") -> Strip:
        style = self._rich(component)
        strip = Strip([Segment(text, style)])
        if right:
            room = max(0, width - cell_len(right) - 1)
            strip = strip.crop(0, room).extend_cell_length(room, style)
            strip = Strip.join([strip, Strip([Segment(right + " ", style)])])
        return strip.crop(0, width).extend_cell_length(width, style)

    def _render_row(self, row: int, width: int) -> tuple[Part, ...]:
        """A row as one part across the width, or two (old and new side) side by side."""
        kind, fi, hi, bi = self.locate(row)
        file = self._files[fi]
        context = self._rich("diff-pane--context")
        if kind == "file":
            component = (
                "diff-pane--file-header-current"
                if fi == self._current
                else "diff-pane--file-header"
            )
            title = f" {_STATUS_LETTER[file.status]} {file.path}"
            if file.old_path:
                title += f" ← {file.old_path}"
            marks = self._marks.get(file.path)
            right = f"● {marks[0]}  " if marks else ""
            right += ("✓ viewed  " if file.path in self._viewed else "") + _stats(file)
            header = self._text_row(display_text(title), component, width, right)
            return ((header, Strip([]), context),)
        if kind == "note":
            pad = " " * self.gutter_width
            note = self._text_row(pad + _file_note(file), "diff-pane--note", width)
            return ((note, Strip([]), context),)
        if kind == "blank":
            return ((Strip.blank(width, context), Strip([]), context),)
        hunk: Hunk = file.hunks[hi]
        if kind == "hunk":
            current = row == self._cursor_row
            component = "diff-pane--hunk-header-current" if current else "diff-pane--hunk-header"
            indent = self.half_gutter_width if self._side_by_side else self.gutter_width
            text = " " * (indent - 2) + display_text(hunk.header)
            return ((self._text_row(text, component, width), Strip([]), context),)
        marked = self._marks.get(file.path, (0, set()))[1]
        if self._side_by_side:
            old, new = self._pairs[fi][hi][bi]
            return (
                self._half_row(fi, hi, old, "old", marked),
                self._half_row(fi, hi, new, "new", marked),
            )
        line = hunk.lines[bi]
        w = self._num_width
        old_no = "" if line.old_no is None else str(line.old_no)
        new_no = "" if line.new_no is None else str(line.new_no)
        numbers = f"{old_no:>{w}} {new_no:>{w}}"
        mark = "●" if line.new_no in marked else " "
        if line.kind == "\\":
            gutter = Strip([Segment(numbers + "   ", self._rich("diff-pane--gutter"))])
            text = "\\ " + display_text(line.text)
            code = Strip([Segment(text, self._rich("diff-pane--marker"))])
            return ((gutter, code, context),)
        component, gutter_component = self._components(line.kind)
        gutter = Strip(
            [
                Segment(numbers, self._rich(gutter_component)),
                Segment(mark, self._mark_style(gutter_component)),
                Segment(f"{line.kind} ", self._rich(component, "bold" if line.kind != " " else "")),
            ]
        )
        tokens = self.highlighted(fi, hi, bi)
        code = Strip([Segment(text, self._rich(component, style)) for text, style in tokens])
        return ((gutter, code, self._rich(component)),)

    @staticmethod
    def _components(kind: str) -> tuple[str, str]:
        """The component classes of a line of ``kind``: (code, gutter)."""
        if kind == "+":
            return "diff-pane--added", "diff-pane--gutter-added"
        if kind == "-":
            return "diff-pane--removed", "diff-pane--gutter-removed"
        return "diff-pane--context", "diff-pane--gutter"

    def _half_row(self, fi: int, hi: int, li: int, side: str, marked: set[int]) -> Part:
        """One side of a side-by-side row: line ``li`` of the hunk (``-1``: nothing)."""
        if li < 0:
            empty = self._rich("diff-pane--empty")
            return Strip([]), Strip([]), empty
        line = self._files[fi].hunks[hi].lines[li]
        number = line.old_no if side == "old" else line.new_no
        numbers = f"{'' if number is None else number:>{self._num_width}}"
        if line.kind == "\\":
            gutter = Strip([Segment(numbers + "   ", self._rich("diff-pane--gutter"))])
            text = "\\ " + display_text(line.text)
            code = Strip([Segment(text, self._rich("diff-pane--marker"))])
            return gutter, code, self._rich("diff-pane--context")
        component, gutter_component = self._components(line.kind)
        mark = "●" if side == "new" and line.new_no in marked else " "
        gutter = Strip(
            [
                Segment(numbers, self._rich(gutter_component)),
                Segment(mark, self._mark_style(gutter_component)),
                Segment(f"{line.kind} ", self._rich(component, "bold" if line.kind != " " else "")),
            ]
        )
        tokens = self.highlighted(fi, hi, li)
        code = Strip([Segment(text, self._rich(component, style)) for text, style in tokens])
        return gutter, code, self._rich(component)

    def row_at(self, y: int) -> int:
        """The row drawn at ``y`` on screen: the first line shows the header of the file
        being read (a sticky header) even when the file starts above the pane."""
        row = self.scroll_offset.y + y
        if y == 0 and self._files and row < self._total:
            return self._file_starts[bisect_right(self._file_starts, row) - 1]
        return row

    @staticmethod
    def _fit(part: Part, width: int, scroll_x: int) -> Strip:
        """``part`` in exactly ``width`` cells, its scrolling part scrolled by ``scroll_x``."""
        fixed, scrolling, fill = part
        if fixed.cell_length >= width:
            return fixed.crop(0, width)
        room = width - fixed.cell_length
        code = scrolling.crop(scroll_x, scroll_x + room).extend_cell_length(room, fill)
        return Strip.join([fixed, code])

    def render_line(self, y: int) -> Strip:
        scroll_x = self.scroll_offset.x
        width = self.scrollable_content_region.width
        row = self.row_at(y)
        if row >= self._total or not self._files:
            return Strip.blank(width, self._rich("diff-pane--context"))
        parts = self._rows.get(row)
        if parts is None:
            parts = self._render_row(row, width)
            self._rows[row] = parts
        if len(parts) == 1:
            strip = self._fit(parts[0], width, scroll_x)
        else:
            left = max(0, (width - 1) // 2)
            right = max(0, width - 1 - left)
            bar = Strip([Segment("│", self._rich("diff-pane--gutter"))])
            strip = Strip.join(
                [self._fit(parts[0], left, scroll_x), bar, self._fit(parts[1], right, scroll_x)]
            ).crop(0, width)
        if self._line_cursor and row == self._cursor_row:
            background = self.get_visual_style("diff-pane--cursor").rich_style.bgcolor
            strip = Strip(
                Segment.apply_style(strip, post_style=RichStyle(bgcolor=background)),
                strip.cell_length,
            )
        return strip


class CursorDiffPane(DiffPane):
    """A :class:`DiffPane` with a line cursor: ``up``/``down`` (and ``k``/``j``) move it line by
    line, ``pageup``/``pagedown`` a page, ``home``/``end`` to the first and last line."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor(1)", "Down", show=False, id="diff.cursor_down"),
        Binding("up,k", "cursor(-1)", "Up", show=False, id="diff.cursor_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="diff.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="diff.page_up"),
        Binding("home", "first", "First line", show=False, id="diff.first_line"),
        Binding("end", "last", "Last line", show=False, id="diff.last_line"),
    ]

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, line_cursor=True)

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(delta)

    def action_page(self, direction: int) -> None:
        self.page_cursor(direction)

    def action_first(self) -> None:
        self.place_cursor(0)

    def action_last(self) -> None:
        self.place_cursor(max(0, self.total_rows - 2))


class DiffFileList(ScrollView, can_focus=True):
    """One row per file: viewed mark, path and ``+added -removed``; ``enter`` opens a file."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Open file", show=False, id="diff.open_file"),
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "diff-file-list--row",
        "diff-file-list--cursor",
        "diff-file-list--viewed",
        "diff-file-list--added",
        "diff-file-list--removed",
    }

    DEFAULT_CSS = """
    DiffFileList {
        background: $surface;
        overflow-x: hidden;
        & > .diff-file-list--row { }
        & > .diff-file-list--cursor {
            color: $block-cursor-blurred-foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .diff-file-list--cursor {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
        & > .diff-file-list--viewed { color: $text-muted; }
        & > .diff-file-list--added { color: $text-success; }
        & > .diff-file-list--removed { color: $text-error; }
    }
    """

    class Selected(Message):
        """``enter`` (or a click) chose the file at ``index``."""

        def __init__(self, index: int) -> None:
            self.index = index
            super().__init__()

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._files: list[FileDiff] = []
        self._viewed: set[str] = set()
        self._cursor = 0

    @property
    def cursor(self) -> int:
        return self._cursor

    def set_files(self, files: list[FileDiff], viewed: set[str]) -> None:
        self._files = files
        self._viewed = viewed
        self._cursor = 0
        # Paths are cut to fit (from the left), so the list never scrolls sideways.
        self.virtual_size = Size(0, len(files))
        self.scroll_to(0, 0, animate=False, force=True)
        self.refresh()

    def set_viewed(self, viewed: set[str]) -> None:
        self._viewed = viewed
        self.refresh()

    def move_cursor(self, index: int) -> None:
        if not self._files:
            return
        index = max(0, min(index, len(self._files) - 1))
        if index != self._cursor:
            self._cursor = index
            self.refresh()
        self.scroll_to_region(Region(0, index, 1, 1), animate=False, force=True, immediate=True)

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(self._cursor + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self._cursor + direction * max(1, self.scrollable_content_region.height))

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self._files) - 1)

    def action_select(self) -> None:
        if self._files:
            self.post_message(self.Selected(self._cursor))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = offset.y + self.scroll_offset.y
        if 0 <= index < len(self._files):
            self.move_cursor(index)
            self.post_message(self.Selected(index))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()

    def _style(self, *components: str) -> RichStyle:
        """Rich style of component classes layered in order (later colours win)."""
        return self.get_visual_style(*components).rich_style

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        row = "diff-file-list--row"
        if index >= len(self._files):
            return Strip.blank(width, self._style(row))
        file = self._files[index]
        viewed = file.path in self._viewed
        if index == self._cursor:
            # The cursor row is drawn in the cursor colours only, for contrast in every theme.
            cursor = self._style("diff-file-list--cursor")
            row_style = mark_style = path_style = added_style = removed_style = cursor
        else:
            row_style = self._style(row)
            mark_style = self._style(row, "diff-file-list--added")
            path_style = self._style(row, "diff-file-list--viewed") if viewed else row_style
            added_style = self._style(row, "diff-file-list--added")
            removed_style = self._style(row, "diff-file-list--removed")
        segments = [Segment("✓ " if viewed else "  ", mark_style)]
        if file.status == FileStatus.BINARY:
            stats: list[Segment] = [Segment("bin", path_style)]
            stats_len = 3
        else:
            added, removed = f"+{file.added}", f"-{file.removed}"
            stats = [
                Segment(added, added_style),
                Segment(" ", row_style),
                Segment(removed, removed_style),
            ]
            stats_len = len(added) + 1 + len(removed)
        room = width - 2 - stats_len - 2
        path = _crop_left(display_text(file.path), room)
        segments.append(Segment(path, path_style))
        gap = max(1, width - 2 - cell_len(path) - stats_len - 1)
        segments.append(Segment(" " * gap, row_style))
        segments.extend(stats)
        segments.append(Segment(" ", row_style))
        return Strip(segments).crop(0, width).extend_cell_length(width, row_style)


FILE_KEYS = Binding.Group("file")
HUNK_KEYS = Binding.Group("hunk")
"""The footer shows ``] [ file`` and ``} { hunk``: one label for each pair of keys."""


class DiffView(Widget):
    """A file list and a diff pane, with file/hunk navigation and viewed marks.

    ``line_cursor=True`` gives the pane a line cursor (:class:`CursorDiffPane`), for reviewing
    line by line; :meth:`set_side_by_side` switches the pane to the side-by-side view.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "]",
            "next_file",
            "Next file",
            id="diff.next_file",
            tooltip="Next file",
            group=FILE_KEYS,
        ),
        Binding(
            "[",
            "previous_file",
            "Prev file",
            id="diff.previous_file",
            tooltip="Previous file",
            group=FILE_KEYS,
        ),
        Binding(
            "}",
            "next_hunk",
            "Next hunk",
            id="diff.next_hunk",
            tooltip="Next hunk",
            group=HUNK_KEYS,
        ),
        Binding(
            "{",
            "previous_hunk",
            "Prev hunk",
            id="diff.previous_hunk",
            tooltip="Previous hunk",
            group=HUNK_KEYS,
        ),
        Binding(
            "v",
            "toggle_viewed",
            "viewed",
            id="diff.toggle_viewed",
            tooltip="Mark the current file as viewed (or not)",
        ),
    ]

    DEFAULT_CSS = """
    DiffView {
        layout: horizontal;
        height: 1fr;
        & > DiffFileList { width: 40; max-width: 40%; border-right: vkey $foreground 20%; }
        & > DiffPane { width: 1fr; }
        & > #diff-message {
            display: none; width: 1fr; height: 1fr; padding: 1 2; color: $text-muted;
        }
        &.-message > DiffFileList, &.-message > DiffPane { display: none; }
        &.-message > #diff-message { display: block; }
    }
    """

    class ViewedChanged(Message):
        """The user marked ``path`` as viewed (``viewed``) or not."""

        def __init__(self, diff_view: DiffView, path: str, viewed: bool) -> None:
            self.diff_view = diff_view
            self.path = path
            self.viewed = viewed
            super().__init__()

        @property
        def control(self) -> DiffView:
            return self.diff_view

    class CurrentFileChanged(Message):
        """The file under review changed (``file`` is ``None`` when there is none)."""

        def __init__(self, diff_view: DiffView, file: FileDiff | None) -> None:
            self.diff_view = diff_view
            self.file = file
            super().__init__()

        @property
        def control(self) -> DiffView:
            return self.diff_view

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
        line_cursor: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._files: list[FileDiff] = []
        self._viewed: set[str] = set()
        self.file_list = DiffFileList(id="diff-files")
        self.pane: DiffPane = (
            CursorDiffPane(id="diff-pane") if line_cursor else DiffPane(id="diff-pane")
        )
        self._message = Static("", id="diff-message", markup=False)
        self.add_class("-message")

    def compose(self) -> ComposeResult:
        yield self.file_list
        yield self.pane
        yield self._message

    # -- public API ----------------------------------------------------------------------------

    @property
    def files(self) -> list[FileDiff]:
        return self._files

    @property
    def viewed(self) -> frozenset[str]:
        return frozenset(self._viewed)

    @property
    def current_file(self) -> FileDiff | None:
        """The file under review: the last one jumped to, or the one on top of the pane."""
        index = self.pane.current_index
        return None if index is None or not self._files else self._files[index]

    def show(
        self,
        files: list[FileDiff],
        viewed: Iterable[str] | None = None,
        *,
        keep_position: bool = False,
    ) -> None:
        """Show ``files`` from the first one; ``viewed`` paths get the ``✓`` mark.

        With ``keep_position`` (a refresh of the same diff), the file under review stays the
        current one when it is still in ``files`` (with a line cursor, on the same new-side
        line when that is still in the diff).
        """
        current = self.current_file
        spot = self.pane.cursor_spot() if self.pane.line_cursor else None
        line = spot.line.new_no if spot is not None and spot.line is not None else None
        if not files:
            self._files = []
            self.file_list.set_files([], set())
            self.pane.set_files([], set())
            self.show_message("No changes.")
            return
        self._files = files
        self._viewed = set(viewed or ())
        self.file_list.set_files(files, self._viewed)
        self.pane.set_files(files, self._viewed)
        self.remove_class("-message")
        if keep_position and current is not None:
            for index, file in enumerate(files):
                if file.path == current.path:
                    self.pane.jump_to_row(self.pane.row_of_line(index, line))
                    break

    @property
    def side_by_side(self) -> bool:
        return self.pane.side_by_side

    def set_side_by_side(self, side_by_side: bool) -> None:
        """Show the old side on the left and the new side on the right (or unified again)."""
        self.pane.set_side_by_side(side_by_side)

    def cursor_spot(self) -> DiffSpot | None:
        """What the pane's cursor is on (``None`` while there is nothing to show)."""
        if not self._files or self.has_class("-message"):
            return None
        return self.pane.cursor_spot()

    def jump_to_line(self, path: str, line: int | None) -> bool:
        """Put the cursor on new-side ``line`` of ``path`` (its header for ``None``); returns
        whether ``path`` is in the diff."""
        for index, file in enumerate(self._files):
            if file.path == path:
                self.pane.jump_to_row(self.pane.row_of_line(index, line))
                return True
        return False

    def set_comment_marks(self, marks: dict[str, list[int | None]]) -> None:
        """Show where comments are (see :meth:`DiffPane.set_comment_marks`)."""
        self.pane.set_comment_marks(marks)

    def focus_diff(self) -> None:
        """Give the keyboard to the diff pane (the file list is one ``tab`` away)."""
        self.pane.focus()

    def focus_files(self) -> None:
        self.file_list.focus()

    def show_loading(self, text: str = "Loading diff…") -> None:
        self._show_text(text, loading=True)

    def show_message(self, text: str) -> None:
        """Show ``text`` (e.g. "No changes.", an error) in place of the diff."""
        self._show_text(text, loading=False)

    def set_viewed(self, path: str, viewed: bool) -> None:
        """Set a file's viewed mark without posting :class:`ViewedChanged`."""
        if viewed:
            self._viewed.add(path)
        else:
            self._viewed.discard(path)
        self.file_list.set_viewed(self._viewed)
        self.pane.set_viewed(self._viewed)

    def _show_text(self, text: str, *, loading: bool) -> None:
        self._message.update(plain.block(text))  # errors quote paths: shown as written
        self._message.set_class(loading, "-loading")
        self.add_class("-message")

    # -- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"next_file", "previous_file", "next_hunk", "previous_hunk", "toggle_viewed"}:
            # Shown but disabled while there is nothing to review.
            return True if self._files and not self.has_class("-message") else None
        return True

    def action_next_file(self) -> None:
        self._step_file(1)

    def action_previous_file(self) -> None:
        self._step_file(-1)

    def _step_file(self, delta: int) -> None:
        pane = self.pane
        index = pane.current_index
        if index is None:
            return
        target = index + delta
        if not 0 <= target < len(self._files):
            self.app.bell()
            return
        pane.jump_to_file(target)

    def action_next_hunk(self) -> None:
        self._step_hunk(forward=True)

    def action_previous_hunk(self) -> None:
        self._step_hunk(forward=False)

    def _step_hunk(self, *, forward: bool) -> None:
        row = self.pane.next_hunk_row(forward)
        if row is None:
            self.app.bell()
            return
        self.pane.jump_to_row(row)

    def action_toggle_viewed(self) -> None:
        file = self.current_file
        if file is None:
            return
        viewed = file.path not in self._viewed
        self.set_viewed(file.path, viewed)
        self.post_message(self.ViewedChanged(self, file.path, viewed))

    # -- wiring --------------------------------------------------------------------------------

    @on(DiffFileList.Selected)
    def _open_file(self, event: DiffFileList.Selected) -> None:
        event.stop()
        self.pane.jump_to_file(event.index)

    @on(DiffPane.CurrentChanged)
    def _current_changed(self, event: DiffPane.CurrentChanged) -> None:
        event.stop()
        if event.index is not None:
            self.file_list.move_cursor(event.index)
        self.post_message(self.CurrentFileChanged(self, self.current_file))
