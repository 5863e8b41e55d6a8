"""Parse ``git diff`` unified output into files, hunks and numbered lines. Pure: no I/O.

The parser reads git's default output (``diff --git`` headers, ``new file mode``,
``deleted file mode``, ``old mode``/``new mode``, ``rename from``/``rename to``, ``Binary files …
differ``, ``\\ No newline at end of file``) in a single pass over the lines. Hunk bodies are read by
the counts in their ``@@`` header, so a removed line that reads ``--- x`` or ``diff --git`` is
still a removed line.

Paths: git C-quotes a path that holds control characters, ``"`` or ``\\`` (and, unless
``core.quotePath=false``, non-ASCII bytes as octal escapes such as ``"a/t\\303\\251st"``); quoted
paths are decoded to text. Paths with spaces are read from ``rename``/``---``/``+++`` lines when
present, and otherwise from the ``diff --git`` line, whose two halves name the same file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

LineKind = Literal["+", "-", " ", "\\"]

_HUNK_RE = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {
    "a": 7,
    "b": 8,
    "t": 9,
    "n": 10,
    "v": 11,
    "f": 12,
    "r": 13,
    '"': 34,
    "\\": 92,
}
DEV_NULL = "/dev/null"


class FileStatus(StrEnum):
    ADDED = "added"
    DELETED = "deleted"
    MODIFIED = "modified"
    RENAMED = "renamed"
    BINARY = "binary"


@dataclass(slots=True)
class DiffLine:
    """One line of a hunk.

    ``kind`` is ``"+"`` (added), ``"-"`` (removed), ``" "`` (context) or ``"\\\\"`` (git's
    ``\\ No newline at end of file`` marker, whose ``text`` is ``"No newline at end of file"``).
    ``text`` is the line without its marker; a CRLF file keeps its ``"\\r"``. ``old_no`` and
    ``new_no`` are 1-based line numbers on each side, ``None`` on the side a line is not in.
    """

    kind: LineKind
    text: str
    old_no: int | None
    new_no: int | None


@dataclass(slots=True)
class Hunk:
    header: str
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    lines: list[DiffLine] = field(default_factory=list)


@dataclass(slots=True)
class FileDiff:
    """One file of a diff.

    ``path`` is the file's path after the change (before it, for a deleted file). ``old_path``
    is the path before a rename or copy, ``None`` otherwise. A binary file has status
    ``binary`` and no hunks; ``old_mode``/``new_mode`` still tell whether it was added
    (``new_mode`` only) or deleted (``old_mode`` only). Both modes are set for a mode change,
    both ``None`` when the mode did not change.
    """

    path: str
    old_path: str | None
    status: FileStatus
    hunks: list[Hunk] = field(default_factory=list)
    added: int = 0
    removed: int = 0
    old_mode: str | None = None
    new_mode: str | None = None


def unquote_c_path(text: str) -> str:
    """Decode a git C-quoted path (with or without its surrounding quotes) to text.

    Octal escapes are bytes of UTF-8 (``\\303\\251`` is ``é``); invalid UTF-8 becomes U+FFFD.
    """
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1]
    if "\\" not in text:
        return text
    out = bytearray()
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch != "\\" or i + 1 >= n:
            out += ch.encode("utf-8", "surrogateescape")
            i += 1
            continue
        nxt = text[i + 1]
        if nxt in "01234567":
            j = i + 1
            while j < n and j < i + 4 and text[j] in "01234567":
                j += 1
            out.append(int(text[i + 1 : j], 8) & 0xFF)
            i = j
        else:
            code = _ESCAPES.get(nxt)
            if code is None:
                out += ("\\" + nxt).encode("utf-8", "surrogateescape")
            else:
                out.append(code)
            i += 2
    return out.decode("utf-8", "replace")


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """Read a C-quoted string starting at ``text[start] == '"'``; return it and the index after."""
    i, n = start + 1, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == '"':
            return unquote_c_path(text[start : i + 1]), i + 1
        i += 1
    return unquote_c_path(text[start:]), n


def _strip_prefix(path: str, prefix: str) -> str:
    return path[len(prefix) :] if path.startswith(prefix) else path


def _header_paths(rest: str) -> tuple[str, str]:
    """Old and new path of a ``diff --git <rest>`` line (best effort for unquoted renames)."""
    if rest.startswith('"'):
        old, end = _read_quoted(rest, 0)
        tail = rest[end:].lstrip(" ")
        new = _read_quoted(tail, 0)[0] if tail.startswith('"') else tail
        return _strip_prefix(old, "a/"), _strip_prefix(new, "b/")
    if rest.endswith('"'):
        start = rest.rfind(' "')
        while start > 0:
            new, end = _read_quoted(rest, start + 1)
            if end == len(rest):
                return _strip_prefix(rest[:start], "a/"), _strip_prefix(new, "b/")
            start = rest.rfind(' "', 0, start)
    # "a/NAME b/NAME": both halves are the same name unless the file was renamed, in which
    # case ``rename from``/``rename to`` lines follow and win.
    n = len(rest)
    if n % 2 == 1 and rest.startswith("a/"):
        half = (n - 5) // 2
        if rest[2 + half : 5 + half] == " b/" and rest[2 : 2 + half] == rest[5 + half :]:
            name = rest[2 : 2 + half]
            return name, name
    cut = rest.find(" b/")
    if cut >= 0:
        return _strip_prefix(rest[:cut], "a/"), rest[cut + 3 :]
    old, _, new = rest.partition(" ")
    return old, new


def _marker_path(value: str, prefix: str) -> str | None:
    """The path of a ``---``/``+++`` line's value; ``None`` for ``/dev/null``."""
    # git appends a tab to unquoted names that contain a space (for GNU patch); drop it.
    value = _read_quoted(value, 0)[0] if value.startswith('"') else value.rstrip("\t")
    if value == DEV_NULL:
        return None
    return _strip_prefix(value, prefix)


def _path_value(value: str) -> str:
    return _read_quoted(value, 0)[0] if value.startswith('"') else value


class _FileBuilder:
    __slots__ = (
        "added",
        "binary",
        "copied",
        "deleted",
        "hunks",
        "new",
        "new_mode",
        "new_path",
        "old_mode",
        "old_path",
        "removed",
        "renamed",
    )

    def __init__(self, old_path: str, new_path: str) -> None:
        self.old_path = old_path
        self.new_path = new_path
        self.new = False
        self.deleted = False
        self.renamed = False
        self.copied = False
        self.binary = False
        self.old_mode: str | None = None
        self.new_mode: str | None = None
        self.hunks: list[Hunk] = []
        self.added = 0
        self.removed = 0

    def build(self) -> FileDiff:
        if self.binary:
            status = FileStatus.BINARY
        elif self.new or self.copied:
            status = FileStatus.ADDED
        elif self.deleted:
            status = FileStatus.DELETED
        elif self.renamed:
            status = FileStatus.RENAMED
        else:
            status = FileStatus.MODIFIED
        path = self.old_path if self.deleted else self.new_path
        moved = (self.renamed or self.copied) and self.old_path != self.new_path
        return FileDiff(
            path=path,
            old_path=self.old_path if moved else None,
            status=status,
            hunks=self.hunks,
            added=self.added,
            removed=self.removed,
            old_mode=self.old_mode,
            new_mode=self.new_mode,
        )


def parse_diff(text: str) -> list[FileDiff]:
    """Parse ``git diff`` output into one :class:`FileDiff` per file, in diff order.

    Text before the first ``diff --git`` line (a commit message, say) is ignored; so are lines
    the parser does not know. An empty string gives an empty list.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    files: list[FileDiff] = []
    cur: _FileBuilder | None = None
    match_hunk = _HUNK_RE.match
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        i += 1
        if line.startswith("diff --git "):
            if cur is not None:
                files.append(cur.build())
            cur = _FileBuilder(*_header_paths(line[11:]))
            continue
        if cur is None:
            continue
        if line.startswith("@@ "):
            m = match_hunk(line)
            if m is None:
                continue
            old_start = int(m[1])
            old_len = 1 if m[2] is None else int(m[2])
            new_start = int(m[3])
            new_len = 1 if m[4] is None else int(m[4])
            body: list[DiffLine] = []
            append = body.append
            old_no, new_no = old_start, new_start
            old_left, new_left = old_len, new_len
            added = removed = 0
            # The hot loop: one iteration per hunk line, driven by the header's counts.
            while i < n:
                ln = lines[i]
                c = ln[:1]
                if c == "+" and new_left > 0:
                    append(DiffLine("+", ln[1:], None, new_no))
                    new_no += 1
                    new_left -= 1
                    added += 1
                elif c == "-" and old_left > 0:
                    append(DiffLine("-", ln[1:], old_no, None))
                    old_no += 1
                    old_left -= 1
                    removed += 1
                elif c == " " and (old_left > 0 or new_left > 0):
                    append(DiffLine(" ", ln[1:], old_no, new_no))
                    old_no += 1
                    new_no += 1
                    old_left -= 1
                    new_left -= 1
                elif c == "\\":
                    append(DiffLine("\\", ln[2:] if ln[1:2] == " " else ln[1:], None, None))
                elif c == "" and old_left > 0 and new_left > 0:
                    # A context line whose leading space was stripped by an editor or mailer.
                    append(DiffLine(" ", "", old_no, new_no))
                    old_no += 1
                    new_no += 1
                    old_left -= 1
                    new_left -= 1
                else:
                    break
                i += 1
            cur.hunks.append(Hunk(line, old_start, old_len, new_start, new_len, body))
            cur.added += added
            cur.removed += removed
            continue
        if cur.hunks:
            continue  # between or after hunks only "@@" and "diff --git" matter
        if line.startswith("--- "):
            old = _marker_path(line[4:], "a/")
            if old is not None:
                cur.old_path = old
        elif line.startswith("+++ "):
            new = _marker_path(line[4:], "b/")
            if new is not None:
                cur.new_path = new
        elif line.startswith("new file mode "):
            cur.new = True
            cur.new_mode = line[14:]
        elif line.startswith("deleted file mode "):
            cur.deleted = True
            cur.old_mode = line[18:]
        elif line.startswith("old mode "):
            cur.old_mode = line[9:]
        elif line.startswith("new mode "):
            cur.new_mode = line[9:]
        elif line.startswith("rename from "):
            cur.renamed = True
            cur.old_path = _path_value(line[12:])
        elif line.startswith("rename to "):
            cur.renamed = True
            cur.new_path = _path_value(line[10:])
        elif line.startswith("copy from "):
            cur.copied = True
            cur.old_path = _path_value(line[10:])
        elif line.startswith("copy to "):
            cur.copied = True
            cur.new_path = _path_value(line[8:])
        elif line.startswith("Binary files ") or line == "GIT binary patch":
            cur.binary = True
    if cur is not None:
        files.append(cur.build())
    return files
