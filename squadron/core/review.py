"""Review bookkeeping that needs no I/O: viewed marks, comments, and the review instruction."""

from __future__ import annotations

import hashlib

from squadron.core.diffparse import FileDiff
from squadron.core.task import Comment


def fingerprint(file: FileDiff) -> str:
    """A short hash of a file's change; it moves whenever the agent changes that file again."""
    h = hashlib.sha1(usedforsecurity=False)
    h.update(f"{file.status}\0{file.old_path}\0{file.path}\0".encode())
    for hunk in file.hunks:
        for line in hunk.lines:
            h.update(line.kind.encode())
            h.update(line.text.encode("utf-8", "surrogateescape"))
            h.update(b"\n")
    return h.hexdigest()[:16]


def still_viewed(marks: dict[str, str], files: list[FileDiff]) -> set[str]:
    """Paths marked viewed whose change is exactly what it was when marked."""
    return {f.path for f in files if marks.get(f.path) == fingerprint(f)}


def quote_lines(text: str, line: int | None, end_line: int | None) -> str:
    """Lines ``line``..``end_line`` (1-based, inclusive) of ``text``: the code a comment is on."""
    if line is None:
        return ""
    lines = text.splitlines()
    end = end_line or line
    return "\n".join(lines[line - 1 : end])


def is_stale(comment: Comment, current: str | None) -> bool:
    """Did the agent change the code a pending comment is about since it was written?

    ``current`` is the file's text now (``None``: the file is gone).
    """
    if comment.line is None:
        return False  # about the whole file (perhaps one the task deleted)
    if current is None:
        return True
    return quote_lines(current, comment.line, comment.end_line) != comment.quote


def format_review(number: int, comments: list[Comment], stale: set[int], summary: str = "") -> str:
    """All pending comments as one instruction for the agent."""
    out = [f"Code review, round {number}: please address each comment below, then stop."]
    if summary.strip():
        out += ["", summary.strip()]
    for i, c in enumerate(comments, 1):
        out += [
            "",
            f"{i}. {c.where}" + (" (the code changed since this comment)" if c.id in stale else ""),
        ]
        if c.quote:
            out += [f"   > {q}" for q in c.quote.splitlines()[:12]]
        out += [f"   {line}" for line in c.text.strip().splitlines()]
    return "\n".join(out)
