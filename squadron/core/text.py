"""Text that came from agents, users or the file system, made safe to show. Pure.

Everything squadron shows that it did not write itself (titles, paths, prompts, comments, check
output, pane titles) is data: it is never interpreted as markup or as terminal control codes.
"""

from __future__ import annotations

import re

# C0 and C1 controls and DEL, except tab and newline (which callers handle themselves).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean(text: str) -> str:
    """``text`` with lone surrogates (undecodable bytes) replaced by U+FFFD: always encodable
    as UTF-8."""
    return _SURROGATE.sub("\ufffd", text)


def _visible_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟: the Unicode control pictures
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\\x{code:02x}"


def visible(text: str) -> str:
    """``text`` safe to print on a terminal: controls shown as symbols (ESC as ``␛``), lone
    surrogates as U+FFFD. Tabs and newlines are kept."""
    return _CONTROL.sub(_visible_char, clean(text))


def one_line(text: str) -> str:
    """``visible`` with newlines and tabs shown as spaces: for table cells and sidebar rows."""
    return visible(text.replace("\r\n", " ").replace("\n", " ").replace("\t", " "))


def is_utf8(text: str) -> bool:
    """False when ``text`` holds undecodable bytes (lone surrogates from a non-UTF-8 argument,
    file name or environment variable)."""
    return _SURROGATE.search(text) is None
