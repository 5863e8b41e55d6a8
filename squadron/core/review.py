"""Review bookkeeping that needs no I/O: what a file's change looked like when it was viewed."""

from __future__ import annotations

import hashlib

from squadron.core.diffparse import FileDiff


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
