"""Text from outside is shown as data: control codes visible, undecodable bytes replaced."""

from __future__ import annotations

import json
import os

from squadron.core.text import clean, is_utf8, one_line, visible


def test_escape_sequences_are_made_visible() -> None:
    assert visible("a\x1b]2;pwned\x07b") == "a␛]2;pwned␇b"
    assert visible("x\x9by") == "x\\x9by"
    assert visible("tab\tand\nnewline") == "tab\tand\nnewline"
    assert one_line("two\nlines\r\nhere") == "two lines here"


def test_undecodable_bytes_become_replacement_characters() -> None:
    raw = os.fsdecode(b"caf\xe9")  # what Python makes of a Latin-1 argument
    assert not is_utf8(raw)
    assert clean(raw) == "caf\ufffd"
    assert is_utf8(clean(raw))
    json.dumps(clean(raw), ensure_ascii=False).encode("utf-8")  # valid UTF-8 now


def test_plain_text_is_untouched() -> None:
    for text in ("", "héllo wörld", "app/[id]/page.tsx", "[bold]x[/]", "日本語"):
        assert visible(text) == text
        assert is_utf8(text)
