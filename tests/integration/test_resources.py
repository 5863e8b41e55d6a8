"""A read-only ``.git`` and a full disk: one line naming the path, exit 1, state as it was.

Tests run as root here, where permission bits stop nothing, so the file system itself
refuses: a read-only bind mount of ``.git``, and a small tmpfs filled to the last byte. Both
need root and a kernel that lets this process mount; otherwise the tests skip and say why.
Every mount is undone by its fixture, also when a test fails.
"""

from __future__ import annotations

import errno
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import git
from tests.integration.cli_bytes import _machinery, made, one_line_error, run
from tests.integration.helpers import write_user_config


@pytest.fixture(autouse=True)
def fake_preset() -> None:
    write_user_config()


def _mount(*args: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a read-only or full file system")
    result = subprocess.run(["mount", *args], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount here ({' '.join(args)}): {result.stderr.strip()}")


def _unmount(point: Path, socket: str) -> None:
    """End the agents that may hold the mount busy, then unmount (lazily as a last resort)."""
    subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)
    for _ in range(50):
        if subprocess.run(["umount", str(point)], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)
    subprocess.run(["umount", "-l", str(point)], capture_output=True)


@pytest.fixture
def small_disk(tmp_path: Path, isolated_env: str) -> Iterator[Path]:
    """An 8 MB tmpfs, unmounted after the test."""
    point = tmp_path / "disk"
    point.mkdir()
    _mount("-t", "tmpfs", "-o", "size=8m", "squadron-test", str(point))
    try:
        yield point
    finally:
        _unmount(point, isolated_env)


@pytest.fixture
def read_only_git(repo: Path, isolated_env: str) -> Iterator[Path]:
    """``repo`` with one task, then its ``.git`` bind-mounted read-only; unmounted after."""
    assert run("new", "first", "--agent", "fake", "--no-wait", cwd=repo).returncode == 0
    dot_git = repo / ".git"
    _mount("--bind", str(dot_git), str(dot_git))
    try:
        _mount("-o", "remount,ro,bind", str(dot_git))
        yield repo
    finally:
        _unmount(dot_git, isolated_env)


def fill(disk: Path) -> Path:
    """Write zeros until the file system is full; return the file that filled it."""
    filler = disk / "filler"
    chunk = b"\0" * 65536
    with open(filler, "wb", buffering=0) as fh:
        while True:
            try:
                fh.write(chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                if len(chunk) == 1:
                    return filler
                chunk = chunk[: len(chunk) // 2]


def state_files(repo: Path) -> dict[str, bytes]:
    """Every file under .git/squadron with its content (temporary files included)."""
    state = repo / ".git" / "squadron"
    return {
        str(p.relative_to(state)): p.read_bytes()
        for p in state.rglob("*")
        if (p.is_file() and not _machinery(p)) or p.name == "lock"
    }


def test_read_only_git(read_only_git: Path, isolated_env: str) -> None:
    repo = read_only_git
    before, state = made(repo, isolated_env), state_files(repo)
    lock = repo / ".git" / "squadron" / "lock"
    for args in (("new", "second", "--agent", "fake"), ("auto-approve", "t1", "all")):
        result = run(*args, cwd=repo)
        one_line_error(result, 1, f"cannot write {lock}: Read-only file system")
    assert made(repo, isolated_env) == before
    assert state_files(repo) == state


def test_full_disk(small_disk: Path, isolated_env: str) -> None:
    repo = small_disk / "proj"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "initial")
    assert run("new", "first", "--agent", "fake", "--no-wait", cwd=repo).returncode == 0
    filler = fill(small_disk)
    before, state = made(repo, isolated_env), state_files(repo)
    tasks = repo / ".git" / "squadron" / "tasks"

    refused = run("new", "second", "--agent", "fake", cwd=repo)
    one_line_error(refused, 1, f"cannot write {tasks / 't2.json'}: No space left on device")
    policy = run("auto-approve", "t1", "all", cwd=repo)
    one_line_error(policy, 1, f"cannot write {tasks / 't1.json'}: No space left on device")
    # nothing is typed unless the state that records it could be written first
    sent = run("send", "t1", "write typed.txt on a full disk", cwd=repo)
    one_line_error(sent, 1, f"cannot write {tasks / 't1.json'}: No space left on device")
    time.sleep(1.0)
    session = next(s for s in made(repo, isolated_env)["sessions"] if s.endswith("_t1"))
    screen = subprocess.run(
        ["tmux", "-L", isolated_env, "capture-pane", "-p", "-t", f"={session}:"],
        capture_output=True,
        text=True,
    ).stdout
    assert "typed.txt" not in screen
    assert made(repo, isolated_env) == before
    assert state_files(repo) == state  # old files whole, no temporary file left behind

    filler.unlink()
    again = run("new", "second", "--agent", "fake", "--no-wait", cwd=repo)
    assert again.returncode == 0, again.stderr
    assert again.stdout == b"t2\n"  # the refused attempt used no task number
