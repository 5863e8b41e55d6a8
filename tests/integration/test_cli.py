"""``squadron`` as a subprocess: every subcommand, exit codes, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import git, wait_until
from tests.integration.helpers import squadron, write_user_config


@pytest.fixture(autouse=True)
def fake_preset() -> None:
    write_user_config()


def one_line_error(result: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert text in lines[0]


def test_new_ls_diff_merge_archive_round_trip(repo: Path) -> None:
    made = squadron(
        "new",
        "Add a health endpoint",
        "--agent",
        "shell",
        "--prompt",
        "echo ok > health.txt",
        cwd=repo,
    )
    assert made.returncode == 0, made.stderr
    tid = made.stdout.strip()
    assert tid == "t1"
    listing = json.loads(squadron("ls", "--json", cwd=repo).stdout)
    worktree = Path(listing[0]["worktree"])
    wait_until(lambda: (worktree / "health.txt").exists(), message="health.txt")

    def row_with_stats() -> dict[str, object] | None:  # the supervisor records +/- soon after
        row = json.loads(squadron("ls", "--json", cwd=repo).stdout)[0]
        return row if (row["added"], row["removed"]) == (1, 0) else None

    row = wait_until(row_with_stats, message="+1 -0 recorded")
    assert isinstance(row, dict)
    for key in ("id", "title", "agent", "status", "stage", "mode", "branch", "added", "removed"):
        assert key in row
    assert (row["id"], row["agent"], row["stage"], row["mode"]) == (
        "t1",
        "shell",
        "running",
        "unattended",
    )
    assert row["branch"] == "squadron/add-a-health-endpoint"
    assert (row["added"], row["removed"]) == (1, 0)
    table = squadron("ls", cwd=repo).stdout
    assert "t1" in table and "+1 -0" in table and "squadron/add-a-health-endpoint" in table
    diff = squadron("diff", tid, cwd=repo)
    assert "+ok" in diff.stdout and "health.txt" in diff.stdout
    assert "health.txt" in squadron("diff", tid, "--stat", cwd=repo).stdout
    assert squadron("merge", tid, "--forecast", cwd=repo).stdout.strip() == "merges cleanly"
    merged = squadron("merge", tid, "--strategy", "merge", cwd=repo)
    assert merged.returncode == 0, merged.stderr
    assert (repo / "health.txt").read_text() == "ok\n"
    parents = git(repo, "rev-list", "--parents", "-n1", "main").split()
    assert len(parents) == 3  # a real merge commit
    assert json.loads(squadron("ls", "--json", cwd=repo).stdout)[0]["stage"] == "merged"
    archived = squadron("archive", tid, cwd=repo)
    assert archived.returncode == 0 and "kept" in archived.stdout
    assert not worktree.exists()
    assert squadron("ls", "--json", cwd=repo).stdout.strip() == "[]"
    assert json.loads(squadron("ls", "--json", "--all", cwd=repo).stdout)[0]["stage"] == "archived"


def test_send_and_prompt_with_leading_dash(repo: Path, tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    env = {"FAKE_AGENT_LOG": str(log)}
    made = squadron(
        "new", "--agent", "fake", "--prompt=-n leading dash", "--", "-dash title", cwd=repo, env=env
    )
    assert made.returncode == 0, made.stderr
    tid = made.stdout.strip()
    wait_until(lambda: log.exists() and log.read_text().strip(), message="prompt")
    sent = squadron("send", tid, "--", "-x", "$(whoami)", "`id`;", cwd=repo, env=env)
    assert sent.returncode == 0, sent.stderr
    wait_until(lambda: len(log.read_text().splitlines()) == 2, message="message")
    got = [json.loads(line) for line in log.read_text().splitlines()]
    assert got == ["-n leading dash", "-x $(whoami) `id`;"]


def test_prompt_file_from_stdin(repo: Path, tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    text = "from stdin\nwith 'quotes' and ünïcode"
    made = squadron(
        "new",
        "stdin prompt",
        "--agent",
        "fake",
        "--prompt-file",
        "-",
        cwd=repo,
        input=text,
        env={"FAKE_AGENT_LOG": str(log)},
    )
    assert made.returncode == 0, made.stderr
    wait_until(lambda: log.exists() and log.read_text().strip(), message="prompt")
    assert json.loads(log.read_text().splitlines()[0]) == text


def test_rm_refuses_then_force_saves_ref(repo: Path) -> None:
    tid = squadron(
        "new", "precious", "--agent", "fake", "--prompt", "write a.txt x", cwd=repo
    ).stdout.strip()
    worktree = Path(json.loads(squadron("ls", "--json", cwd=repo).stdout)[0]["worktree"])
    wait_until(lambda: (worktree / "a.txt").exists(), message="edit")
    refused = squadron("rm", tid, cwd=repo)
    one_line_error(refused, 1, "not merged")
    forced = squadron("rm", tid, "--force", cwd=repo)
    assert forced.returncode == 0
    assert "refs/squadron/trash/t1" in forced.stdout and "git branch" in forced.stdout
    assert git(repo, "show", "refs/squadron/trash/t1:a.txt") == "x\n"


def test_doctor_reports_versions_and_missing_agents(repo: Path) -> None:
    result = squadron("doctor", cwd=repo)
    out = result.stdout
    assert "git 2." in out and "tmux 3." in out
    assert "agent shell" in out
    assert "agent fake" in out
    # claude is the default agent and is not installed here: doctor says what to fix
    assert result.returncode == 1 and "[FIX] agent claude (default agent)" in out


def test_doctor_flags_bad_config(repo: Path) -> None:
    write_user_config("defualt_agent = 'x'\n")
    out = squadron("doctor", cwd=repo).stdout
    assert "unknown key 'defualt_agent'" in out and "default_agent" in out


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (("send", "t42", "hi"), 2, "unknown task 't42'"),
        (("diff", "nope"), 2, "unknown task 'nope'"),
        (
            ("new", "x", "--agent", "fake", "--base", "no-such-branch"),
            2,
            "base branch 'no-such-branch' does not exist",
        ),
        (("new", "x", "--agent", "ghost"), 2, "unknown agent 'ghost'"),
        (("merge", "t1"), 2, "unknown task 't1'"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    repo: Path, args: tuple[str, ...], code: int, text: str
) -> None:
    one_line_error(squadron(*args, cwd=repo), code, text)


def test_not_a_repository(tmp_path: Path) -> None:
    one_line_error(squadron("ls", cwd=tmp_path), 2, "not a git repository")


def test_tmux_missing_or_too_old(repo: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    git_path = subprocess.run(["which", "git"], capture_output=True, text=True).stdout.strip()
    (bin_dir / "git").symlink_to(git_path)
    env = {"PATH": str(bin_dir)}
    cmd = [sys.executable, "-m", "squadron", "new", "x", "--agent", "fake"]
    run = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, env={**os.environ, **env})
    one_line_error(run, 2, "tmux is not installed")
    old = bin_dir / "tmux"
    old.write_text("#!/bin/sh\necho 'tmux 2.9'\n")
    old.chmod(0o755)
    run = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, env={**os.environ, **env})
    one_line_error(run, 2, "tmux 2.9 is too old")


def test_git_too_old(repo: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_git = bin_dir / "git"
    fake_git.write_text("#!/bin/sh\necho 'git version 2.30.1'\n")
    fake_git.chmod(0o755)
    run = subprocess.run(
        [sys.executable, "-m", "squadron", "new", "x", "--agent", "fake"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
    )
    one_line_error(run, 2, "git 2.30.1 is too old")


def test_corrupt_state_is_reported_not_emptied(repo: Path) -> None:
    tid = squadron("new", "one", "--agent", "fake", cwd=repo).stdout.strip()
    state = repo / ".git" / "squadron" / "tasks" / f"{tid}.json"
    state.write_text("garbage", encoding="utf-8")
    result = squadron("ls", cwd=repo)
    assert result.returncode == 0
    assert "corrupt task state" in result.stderr and "moved to" in result.stderr
    assert next(iter(state.parent.glob("t1.json.corrupt-*"))).read_text() == "garbage"


def test_concurrent_writers_lose_no_task(repo: Path) -> None:
    def make(i: int) -> str:
        result = squadron("new", f"parallel {i}", "--agent", "fake", cwd=repo)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = list(pool.map(make, range(4)))
    assert sorted(ids) == ["t1", "t2", "t3", "t4"]
    listing = json.loads(squadron("ls", "--json", cwd=repo).stdout)
    assert sorted(r["id"] for r in listing) == ["t1", "t2", "t3", "t4"]
    assert len({r["branch"] for r in listing}) == 4


def test_engine_and_cli_import_no_textual() -> None:
    code = (
        "import squadron.cli, squadron.engine.engine, squadron.engine.monitor, sys; "
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_ls_loads_neither_git_nor_tmux_nor_textual(repo: Path) -> None:
    """`ls` reads what the supervisor recorded: no GitPython, no tmux adapter, no UI."""
    squadron("new", "one", "--agent", "fake", cwd=repo)
    from squadron.adapters.store import StateStore
    from squadron.engine.supervision import is_running

    wait_until(lambda: is_running(StateStore(repo / ".git")), message="the supervisor")
    code = (
        "import sys, runpy; sys.argv = ['squadron', 'ls']\n"
        "try:\n    runpy.run_module('squadron', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = ['git', 'textual', 'squadron.adapters.git', 'squadron.adapters.tmux', "
        "'squadron.engine.engine', 'squadron.core.detector']\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=repo)
    assert "t1" in out.stdout
    assert out.stderr.strip().splitlines()[-1] == "[]", out.stderr


def test_ls_shows_outside_text_as_data_and_json_is_always_utf8(repo: Path) -> None:
    """A title holding terminal escapes is shown with them visible, never obeyed; a state
    file holding undecodable text (an older squadron's) still gives valid UTF-8 JSON."""
    title = "\x1b]2;owned\x07\x1b[31mred\x1b[0m title"
    assert squadron("new", title, "--agent", "fake", cwd=repo).returncode == 0
    path = repo / ".git" / "squadron" / "tasks" / "t1.json"
    data = json.loads(path.read_text())
    data["branch"] = "squadron/caf\udce9"  # a lone surrogate, as an old version could write
    path.write_text(json.dumps(data), encoding="utf-8")
    listing = subprocess.run(
        [sys.executable, "-m", "squadron", "ls"], cwd=repo, capture_output=True
    )
    assert listing.returncode == 0
    assert b"\x1b" not in listing.stdout and b"\x07" not in listing.stdout
    assert "␛[31mred␛[0m title" in listing.stdout.decode("utf-8")
    raw = subprocess.run(
        [sys.executable, "-m", "squadron", "ls", "--json"], cwd=repo, capture_output=True
    ).stdout
    (row,) = json.loads(raw.decode("utf-8"))  # strict UTF-8: raises if it were not
    assert row["title"] == title and row["branch"] == "squadron/caf\ufffd"
