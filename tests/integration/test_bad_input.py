"""Hostile input over the real command line: refused at the door, or taken literally.

Refused input gets exit 2 and one clean line on stderr, and nothing is created: no branch, no
worktree, no task file, no tmux session, no task number used up. Accepted input (quotes,
``$()``, backticks, ``#()``, ``;``, newlines, ANSI escapes, 100 KB) reaches the task as given
and git names as a safe slug, and nothing in it is ever run.

These tests check what squadron decided (exit code, message, what exists afterwards), never
what the agent received: prompt delivery is not what they are about.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.conftest import git
from tests.integration.cli_bytes import Arg, made, one_line_error, run
from tests.integration.helpers import write_user_config


@pytest.fixture(autouse=True)
def fake_preset() -> None:
    write_user_config()


NOT_UTF8 = [
    (("new", b"\xff\xfe title"), "TITLE is not valid UTF-8 text"),
    (("new", "x", b"--prompt=caf\xe9"), "--prompt is not valid UTF-8 text"),
    (("new", "x", "--prompt", b"\xc3("), "--prompt is not valid UTF-8 text"),
    (("new", "x", "--acceptance", b"\xff"), "--acceptance is not valid UTF-8 text"),
    (("new", "x", "--agent", b"fa\xffke"), "--agent is not valid UTF-8 text"),
    (("new", "x", "--base", b"ma\xffin"), "--base is not valid UTF-8 text"),
    (("new", "x", "--command", b"/bin/\xff"), "--command is not valid UTF-8 text"),
    ((b"--repo=.\xff", "ls"), "--repo is not valid UTF-8 text"),
    (("send", "t1", "ok", b"\xff"), "TEXT is not valid UTF-8 text"),
    (("handback", "t1", "--note", b"\xff"), "--note is not valid UTF-8 text"),
    (("review", "t1", "--comment", "a.py:1", b"\xff"), "--comment is not valid UTF-8 text"),
    (("merge", "t1", "-m", b"\xff"), "--message is not valid UTF-8 text"),
    (("diff", b"t\xff"), "ID is not valid UTF-8 text"),
]
REFUSED = [
    *NOT_UTF8,
    (("new", "-x"), "put -- before a title or text starting with -"),
    (("new", "x", "--prompt", "-x"), "argument --prompt: expected one argument"),
    (("new", ""), "a task needs a title"),
    (("new", " \n "), "a task needs a title"),
    (("new", "x", "--agent", "fake", "--base", "$(touch pwned)"), "does not exist"),
    (("new", "x", "--agent=-x"), "unknown agent '-x'"),
    (("new", "x", "--command", "'unterminated"), "cannot parse --command"),
    (("new", "x", "--prompt-file", "no[such].txt"), "cannot read prompt file no[such].txt"),
    (("new", "x", "--auto-approve", "all; rm -rf /"), "invalid choice"),
    (("diff", "\x1b[31mt1\x1b[0m"), "unknown task '␛[31mt1␛[0m'"),
    (("send", "`id`;", "hi"), "unknown task '`id`;'"),
]


@pytest.mark.parametrize(("args", "text"), REFUSED, ids=[repr(a)[:60] for a, _ in REFUSED])
def test_refused_input_is_one_line_exit_2_and_creates_nothing(
    repo: Path, isolated_env: str, args: tuple[Arg, ...], text: str
) -> None:
    before = made(repo, isolated_env)
    one_line_error(run(*args, cwd=repo), 2, text)
    assert made(repo, isolated_env) == before
    assert not (repo / "pwned").exists()
    assert not (repo / ".git" / "squadron" / "meta.json").exists()  # no task number used


def test_argv_cannot_carry_a_nul_byte(repo: Path) -> None:
    """A NUL cannot reach squadron through argv: exec refuses it before squadron runs (the
    kernel takes each argument as a C string). Files can hold one: see the prompt-file test."""
    with pytest.raises(ValueError, match="null byte"):
        run("new", "a\0b", cwd=repo)


BIG = "x" * 100_000
ACCEPTED = [
    "it's \"quoted\" and 'single'",
    "$(touch pwned) and ${HOME}",
    "`touch pwned`",
    "#(touch pwned) #{session_name}",
    "ends with a semicolon;",
    "first line\nsecond line; touch pwned",
    "\x1b[31mred\x1b[0m and a bell\x07",
    "ünïcödé 标题 🚀",
    "[brackets] and *globs?",
    "-starts with a dash",
    BIG,
]


@pytest.mark.parametrize("text", ACCEPTED, ids=[repr(t)[:30] for t in ACCEPTED])
def test_hostile_text_is_taken_literally(repo: Path, isolated_env: str, text: str) -> None:
    before = made(repo, isolated_env)
    result = run("new", "--agent", "fake", "--no-wait", f"--prompt={text}", "--", text, cwd=repo)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"t1\n"
    assert result.stderr.count(b"\n") == 1 and b"prompt is typed once" in result.stderr
    (task,) = json.loads(run("ls", "--json", cwd=repo).stdout)
    assert task["title"] == text
    assert re.fullmatch(r"squadron/[a-z0-9][a-z0-9-]{0,60}", task["branch"]), task["branch"]
    after = made(repo, isolated_env)
    assert after["branches"] == [*before["branches"], f"refs/heads/{task['branch']}"]
    assert after["sessions"] == [task["session"]]
    assert Path(task["worktree"]).is_dir()
    assert not (repo / "pwned").exists() and not Path(task["worktree"], "pwned").exists()


def test_paths_with_brackets_and_spaces(tmp_path: Path, isolated_env: str) -> None:
    repo = tmp_path / "we[ird] (1)" / "pr[oj]"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "initial")
    prompt = repo.parent / "a[1]*.txt"
    prompt.write_text("a prompt from a file with [brackets]", encoding="utf-8")
    result = run(
        "--repo", str(repo), "new", "odd paths", "--agent", "fake", "--no-wait",
        "--prompt-file", str(prompt), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (task,) = json.loads(run("--repo", str(repo), "ls", "--json", cwd=tmp_path).stdout)
    assert Path(task["worktree"]).parent == repo.parent / ".squadron-worktrees" / "pr[oj]"
    assert Path(task["worktree"]).is_dir()


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (b"caf\xe9 au lait", "is not UTF-8 text (at byte 4)"),
        (b"line one\n\x00\x01binary", "is not text (it holds NUL bytes)"),
    ],
)
def test_prompt_file_that_is_not_text(
    repo: Path, tmp_path: Path, isolated_env: str, content: bytes, text: str
) -> None:
    path = tmp_path / "prompt.txt"
    path.write_bytes(content)
    before = made(repo, isolated_env)
    one_line_error(run("new", "x", "--agent", "fake", "--prompt-file", path, cwd=repo), 2, text)
    stdin = run("new", "x", "--agent", "fake", "--prompt-file", "-", cwd=repo, stdin=content)
    one_line_error(stdin, 2, f"prompt file on stdin {text}")
    assert made(repo, isolated_env) == before


def test_a_prompt_file_name_may_hold_any_bytes(repo: Path, tmp_path: Path) -> None:
    """Only the file's content must be text: its name is passed to open() as it came."""
    path = tmp_path / os.fsdecode(b"pr\xffompt.txt")
    path.write_text("hello", encoding="utf-8")
    result = run("new", "x", "--agent", "fake", "--no-wait", "--prompt-file", path, cwd=repo)
    assert result.returncode == 0, result.stderr


def test_comments_file_that_is_not_utf8_adds_no_comment(repo: Path, tmp_path: Path) -> None:
    assert run("new", "x", "--agent", "fake", "--no-wait", cwd=repo).returncode == 0
    bad = tmp_path / "comments.txt"
    bad.write_bytes(b"app.py:1: fine\napp.py:2: caf\xe9\n")
    refused = run("review", "t1", "--comment", "app.py", "first", "--comments-file", bad, cwd=repo)
    one_line_error(refused, 2, f"comments file {bad} is not UTF-8 text (at byte 29)")
    piped = run("review", "t1", "--comments-file", "-", cwd=repo, stdin=bad.read_bytes())
    one_line_error(piped, 2, "comments file on stdin is not UTF-8 text")
    listing = run("review", "t1", cwd=repo)
    assert b"has no pending comments" in listing.stdout, listing


BAD_CONFIG = [
    (b'detach_key = "Enter"\n', "'detach_key' = 'Enter' cannot be used: Enter submits"),
    (b'detach_key = "C-c"\n', "'detach_key' = 'C-c' cannot be used: C-c interrupts"),
    (b'detach_key = "a"\n', "'detach_key' = 'a' cannot be used: without Ctrl or Alt"),
    (b'check = "caf\xe9"\n', "not UTF-8 text (at byte 13)"),
    (b'worktree_root = "wt"\n', "'worktree_root' = 'wt' is relative"),
    (b'worktree_root = "{repo}/wt"\n', "'worktree_root' = '{repo}/wt' is inside the repository"),
    (b"[agents.fake]\ncommand = []\n", "preset 'fake': key 'command' is empty"),
    (b'[agents.mine]\nextends = "claude"\ncommand = ""\n', "preset 'mine': key 'command'"),
]


@pytest.mark.parametrize(("content", "text"), BAD_CONFIG, ids=[t[:40] for _, t in BAD_CONFIG])
def test_bad_project_config_names_file_and_key(
    repo: Path, isolated_env: str, content: bytes, text: str
) -> None:
    config = repo / ".squadron.toml"
    config.write_bytes(content.replace(b"{repo}", os.fsencode(repo)))
    before = made(repo, isolated_env)
    stderr = one_line_error(run("new", "x", "--agent", "fake", cwd=repo), 2, str(config))
    assert text.replace("{repo}", str(repo)) in stderr
    assert made(repo, isolated_env) == before


def test_bad_tmux_socket_names(repo: Path, isolated_env: str) -> None:
    before = made(repo, isolated_env)
    for socket, text in [
        ("a/b", "it holds '/'"),
        ("s" * 120, "unix sockets allow 107"),
        (os.fsdecode(b"sq\xff"), "it is not valid UTF-8 text"),
    ]:
        env = {"SQUADRON_TMUX_SOCKET": socket}
        result = run("new", "x", "--agent", "fake", cwd=repo, env=env)
        one_line_error(result, 2, "SQUADRON_TMUX_SOCKET '")
        assert text in result.stderr.decode()
    assert made(repo, isolated_env) == before


def test_state_home_that_is_a_file(repo: Path, tmp_path: Path, isolated_env: str) -> None:
    state = tmp_path / "state-file"
    state.write_text("not a folder", encoding="utf-8")
    before = made(repo, isolated_env)
    result = run("new", "x", "--agent", "fake", cwd=repo, env={"XDG_STATE_HOME": str(state)})
    one_line_error(result, 2, f"cannot write squadron's tmux config {state}/squadron/")
    assert f"Not a directory (XDG_STATE_HOME is {state})" in result.stderr.decode()
    assert made(repo, isolated_env) == before
    assert state.read_text(encoding="utf-8") == "not a folder"
