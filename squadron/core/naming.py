"""Names squadron derives from user text: slugs, branch names, task ids, session names."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 40


def slugify(text: str, fallback: str = "task") -> str:
    """A lowercase ASCII slug safe in branch, folder and tmux session names.

    Non-ASCII letters are folded to ASCII where Unicode knows how (``é`` → ``e``); anything
    else becomes ``-``. The result never starts or ends with ``-`` and is never empty.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NON_ALNUM.sub("-", folded.lower()).strip("-")
    slug = slug[:MAX_SLUG].rstrip("-")
    return slug or fallback


def branch_name(title: str, task_id: str, prefix: str = "squadron/") -> str:
    return f"{prefix}{slugify(title, fallback=task_id)}"


def task_id(number: int) -> str:
    return f"t{number}"


def repo_key(repo_name: str, common_dir: str) -> str:
    """A short tag naming one repository on the shared private tmux server."""
    import hashlib  # here: `ls` needs no hash and loads fast without it

    digest = hashlib.sha1(common_dir.encode("utf-8"), usedforsecurity=False).hexdigest()[:6]
    return f"{slugify(repo_name, fallback='repo')[:20]}-{digest}"


def session_name(repo: str, task: str) -> str:
    """tmux session names may not contain ``.`` or ``:``; ours hold only ``[a-z0-9_-]``."""
    return f"{repo}_{task}"


def first_line(text: str, limit: int = 80) -> str:
    """The first non-empty line of ``text``, cut to ``limit`` characters."""
    for line in text.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""
