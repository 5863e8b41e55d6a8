"""Run squadron with bytes in and out, and take stock of what a task leaves behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import git

Arg = str | bytes


def run(
    *args: Arg, cwd: Path, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """``squadron ARGS`` as bytes in, bytes out: argv may hold bytes that are not UTF-8."""
    return subprocess.run(
        [sys.executable.encode(), b"-m", b"squadron", *(os.fsencode(a) for a in args)],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=60,
        env={**os.environ, "LC_ALL": "C.UTF-8", **(env or {})},
    )


def one_line_error(result: subprocess.CompletedProcess[bytes], code: int, text: str) -> str:
    """The one stderr line, which must be clean UTF-8 text without terminal controls."""
    stderr = result.stderr.decode("utf-8")  # strict: a lone surrogate would not encode
    assert result.returncode == code, stderr
    assert stderr.endswith("\n") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr and "\x1b" not in stderr, stderr
    assert stderr.startswith("squadron: error: "), stderr
    assert text in stderr, stderr
    return stderr


def _machinery(path: Path) -> bool:
    """The store's lock and the supervisor's own files: there whatever tasks exist."""
    return path.name in ("lock", "locks", "alerts.jsonl") or path.name.startswith("supervisor")


def made(repo: Path, socket: str) -> dict[str, list[str]]:
    """What a task leaves behind: branches, worktrees, task files, numbers used, sessions."""
    state = repo / ".git" / "squadron"
    sessions = subprocess.run(
        ["tmux", "-L", socket, "list-sessions", "-F", "#{session_name}"],
        capture_output=True,
        text=True,
    )
    worktrees = repo.parent / ".squadron-worktrees"
    return {
        "branches": git(repo, "for-each-ref", "--format=%(refname)", "refs/heads").split(),
        "worktrees": git(repo, "worktree", "list", "--porcelain").splitlines(),
        "worktree folders": sorted(str(p) for p in worktrees.rglob("*")),
        "task files": sorted(p.name for p in state.rglob("*") if not _machinery(p)),
        "sessions": [
            name
            for name in (sessions.stdout.split() if sessions.returncode == 0 else [])
            if not name.endswith("_supervisor")  # the repository's supervisor, not a task
        ],
    }
