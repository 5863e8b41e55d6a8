"""Outside text made ready to draw: titles, paths, branch names, prompts, criteria, comments,
check output, captured screens and the error messages that quote them.

Such text is data. Widgets never hand it to a markup parser: they draw ``Content`` or Rich
``Text`` objects, or ``Label``/``Static`` with ``markup=False``. What ``markup=False`` does not
do is done here: control characters shown as symbols (an ESC from a file name must not reach
the terminal) and lone surrogates (undecodable bytes) replaced, since the terminal writer
cannot encode them and would stop drawing. Where Textual parses markup whatever we pass (the
command palette's help line), :func:`escape` makes the text literal.
"""

from __future__ import annotations

from squadron.core.text import clean, one_line, visible

__all__ = ["block", "escape", "line", "same_width"]

# Length-preserving: C0 controls but tab and newline, and DEL, become their control picture
# (ESC as ␛), C1 controls U+FFFD. For text whose offsets matter (styled spans, diff columns).
_SAME_WIDTH = (
    {code: 0x2400 + code for code in range(32) if code not in (9, 10)}
    | {127: 0x2421}
    | dict.fromkeys(range(0x80, 0xA0), 0xFFFD)
)


def line(text: str, limit: int | None = None) -> str:
    """The first non-empty line of ``text`` as one line to show, cut to ``limit`` characters
    (with ``…``). Lines are split at newlines only: other control characters are shown."""
    for raw in text.split("\n"):
        stripped = raw.strip(" \t\r")
        if stripped:
            shown = one_line(stripped)
            if limit is not None and len(shown) > limit:
                return shown[: max(0, limit - 1)] + "…"
            return shown
    return ""


def block(text: str) -> str:
    """Several lines of ``text`` to show as written: line breaks kept (``\\r\\n`` read as one),
    other control characters shown as symbols, undecodable bytes as U+FFFD."""
    return visible(text.replace("\r\n", "\n"))


def same_width(text: str) -> str:
    """``text`` with the same length, safe to draw: controls but tab and newline as symbols
    (C1 controls and lone surrogates as U+FFFD), so styled spans and columns still line up."""
    return clean(text).translate(_SAME_WIDTH)


def escape(text: str) -> str:
    """``text`` as Textual content markup that reads back as exactly ``text``.

    Only for places where Textual parses markup whatever it is given; everywhere else, draw a
    ``Content``/``Text`` or use ``markup=False``. (Textual's own ``escape`` also doubles
    backslashes, which its parser does not undo.)"""
    return text.replace("[", "\\[")
