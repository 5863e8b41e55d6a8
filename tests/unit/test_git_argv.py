"""The git adapter's argv building and output parsing, as tables; no git is run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from squadron.adapters import git as g
from squadron.adapters.git import FileStat, GitError, GitRepo, Worktree

HOSTILE = 'it\'s "x" $(rm -rf ~); `y`\n-ünï'


class FakeGit:
    """Stands in for GitPython's ``Git``: records each call, answers from ``reply``."""

    def __init__(self, reply: Callable[[list[str]], tuple[int, bytes, str]]) -> None:
        self.reply = reply
        self.calls: list[tuple[list[str], dict[str, Any], bytes | None]] = []

    def execute(self, argv: list[str], **kw: Any) -> tuple[int, bytes, str]:
        stdin = kw.get("istream")
        data = stdin.read() if stdin is not None else None
        self.calls.append((argv, kw, data))
        return self.reply(argv)


def ok(out: bytes = b"") -> Callable[[list[str]], tuple[int, bytes, str]]:
    return lambda argv: (0, out, "")


@pytest.fixture
def repo() -> GitRepo:
    return GitRepo(Path("/r"), Path("/r/.git"))


def install(monkeypatch: pytest.MonkeyPatch, fake: FakeGit) -> FakeGit:
    monkeypatch.setattr(g, "_GIT", fake)
    return fake


# -- argv building -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda r: r.delete_branch("-x"), ["branch", "-D", "--", "-x"]),
        (lambda r: r.delete_branch("refs/heads/a b"), ["branch", "-D", "--", "a b"]),
        (lambda r: r.remove_worktree("/w/-rf"), ["worktree", "remove", "--force", "--", "/w/-rf"]),
        (lambda r: r.current_branch(), ["symbolic-ref", "-q", "HEAD"]),
        (
            lambda r: r.branch_exists("-b"),
            ["rev-parse", "--verify", "--quiet", "refs/heads/-b"],
        ),
        (
            lambda r: r.rev_parse("--all"),
            ["rev-parse", "--verify", "--quiet", "--end-of-options", "--all"],
        ),
        (
            lambda r: r.dirty_files("/w"),
            ["--no-optional-locks", "status", "--porcelain", "-z", "--untracked-files=all"],
        ),
    ],
)
def test_argv(
    monkeypatch: pytest.MonkeyPatch,
    repo: GitRepo,
    call: Callable[[GitRepo], object],
    expected: list[str],
) -> None:
    fake = install(monkeypatch, FakeGit(ok(b"refs/heads/main\n")))
    call(repo)
    argv = fake.calls[0][0]
    assert argv[:2] == ["git", "--no-pager"]
    assert argv[2] == "-C"
    assert argv[4:] == expected


def test_worktree_add_passes_the_path_after_double_dash(
    monkeypatch: pytest.MonkeyPatch, repo: GitRepo
) -> None:
    oid = "a" * 40
    fake = install(monkeypatch, FakeGit(ok(oid.encode() + b"\n")))
    repo.add_worktree("/w/-task", HOSTILE.replace("\n", ""), "main")
    argv = fake.calls[-1][0]
    assert argv[4:] == [
        "worktree",
        "add",
        "--no-track",
        "-b",
        HOSTILE.replace("\n", ""),
        "--",
        "/w/-task",
        oid,
    ]


def test_a_message_goes_through_stdin_never_argv(
    monkeypatch: pytest.MonkeyPatch, repo: GitRepo
) -> None:
    fake = install(monkeypatch, FakeGit(ok(b"c" * 40 + b"\n")))
    repo._commit_tree("t" * 40, ["p" * 40], g._message_bytes(HOSTILE, "default"))
    argv, kw, data = fake.calls[-1]
    assert argv[4:] == ["commit-tree", "t" * 40, "-p", "p" * 40, "-F", "-"]
    assert data == (HOSTILE + "\n").encode()
    assert all(HOSTILE not in arg for call in fake.calls for arg in call[0])
    assert kw.get("shell") is None


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("title", b"title\n"),
        ("  padded\n\n", b"padded\n"),
        ("", b"default\n"),
        ("nul\0byte", b"nulbyte\n"),
        ("ünï\nsecond", "ünï\nsecond\n".encode()),
    ],
)
def test_message_bytes(message: str, expected: bytes) -> None:
    assert g._message_bytes(message, "default") == expected


def test_identity_fallback_only_for_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, repo: GitRepo
) -> None:
    names = ("NAME", "EMAIL")
    for var in [f"GIT_{role}_{who}" for role in ("AUTHOR", "COMMITTER") for who in names]:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("EMAIL", raising=False)
    install(monkeypatch, FakeGit(ok(b"user.name Someone\n")))
    assert repo._identity_env("/w") == {
        "GIT_AUTHOR_EMAIL": "squadron@localhost",
        "GIT_COMMITTER_EMAIL": "squadron@localhost",
    }
    install(monkeypatch, FakeGit(lambda argv: (1, b"", "")))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "From Env")
    assert repo._identity_env("/w") == {
        "GIT_COMMITTER_NAME": "squadron",
        "GIT_AUTHOR_EMAIL": "squadron@localhost",
        "GIT_COMMITTER_EMAIL": "squadron@localhost",
    }
    monkeypatch.setenv("EMAIL", "me@example.org")  # git's own fallback: keep it
    assert repo._identity_env("/w") == {"GIT_COMMITTER_NAME": "squadron"}


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        (
            "fatal: not a git repository (or any of the parent directories): .git",
            "not a git repository (or any of the parent directories): .git",
        ),
        (
            "Preparing worktree\nfatal: a branch named 'x' already exists",
            "a branch named 'x' already exists",
        ),
        ("warning: w\nhint: h\nerror: e1\nfatal: f", "f"),
        ("hint: only hints\nsomething odd", "something odd"),
        ("", ""),
        (
            "error: Your local changes to the following files would be overwritten by merge:\n"
            "\tapp.py\n\tb c.py\nPlease commit your changes or stash them before you merge.\n"
            "Aborting",
            "Your local changes to the following files would be overwritten by merge: "
            "app.py, b c.py",
        ),
    ],
)
def test_meaningful_line(stderr: str, expected: str) -> None:
    assert g._meaningful(stderr) == expected


def test_failures_are_one_line(monkeypatch: pytest.MonkeyPatch, repo: GitRepo) -> None:
    stderr = "hint: try this\nhint: or that\nfatal: bad thing\nhappened"
    install(monkeypatch, FakeGit(lambda argv: (128, b"", stderr)))
    with pytest.raises(GitError) as err:
        repo.delete_branch("x")
    assert str(err.value) == "git branch failed: bad thing"
    assert err.value.stderr == stderr
    assert err.value.returncode == 128
    assert str(GitError("two\nlines")) == "two lines"


# -- parsers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", set()),
        (b" M a.py\0?? new file.txt\0", {"a.py", "new file.txt"}),
        (b"R  new.py\0old.py\0 D gone\0", {"new.py", "old.py", "gone"}),
        (b"C  copy\0orig\0", {"copy", "orig"}),
        (b"?? line\nbreak\0", {"line\nbreak"}),
        ("?? ünï\0".encode(), {"ünï"}),
        (b"UU conflict.py\0", {"conflict.py"}),
    ],
)
def test_parse_porcelain(raw: bytes, expected: set[str]) -> None:
    assert g._parse_porcelain(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", []),
        (b"3\t1\ta.py\0", [FileStat("a.py", 3, 1, False)]),
        (b"-\t-\tlogo.png\0", [FileStat("logo.png", 0, 0, True)]),
        (b"2\t0\t\0old name\0new\tname\0", [FileStat("new\tname", 2, 0, False, "old name")]),
        (
            b"1\t1\t-rf\0" + "0\t5\tünï\n.md\0".encode(),
            [FileStat("-rf", 1, 1, False), FileStat("ünï\n.md", 0, 5, False)],
        ),
    ],
)
def test_parse_numstat(raw: bytes, expected: list[FileStat]) -> None:
    assert g._parse_numstat(raw) == expected


def test_totals() -> None:
    stats = [FileStat("a", 3, 1, False), FileStat("b", 0, 0, True), FileStat("c", 2, 7, False)]
    assert g.totals(stats) == (5, 8)
    assert g.totals([]) == (0, 0)


def test_parse_worktrees() -> None:
    raw = (
        b"worktree /r\0HEAD " + b"a" * 40 + b"\0branch refs/heads/main\0\0"
        b"worktree /w/t 1\0HEAD " + b"b" * 40 + b"\0detached\0locked\0\0"
        b"worktree /gone\0HEAD " + b"c" * 40 + b"\0branch refs/heads/sq/x\0prunable gitdir file"
        b" points to non-existent location\0\0"
    )
    assert g._parse_worktrees(raw) == [
        Worktree(Path("/r"), "a" * 40, "main"),
        Worktree(Path("/w/t 1"), "b" * 40, None, locked=True),
        Worktree(Path("/gone"), "c" * 40, "sq/x", prunable=True),
    ]
    assert g._parse_worktrees(b"worktree /bare\0bare\0\0")[0].bare


def test_scrub_repo_environment() -> None:
    env = {"GIT_DIR": "/x/.git", "GIT_INDEX_FILE": "/x/i", "GIT_AUTHOR_NAME": "a", "HOME": "/h"}
    assert g.scrub_repo_environment(env) == ["GIT_DIR", "GIT_INDEX_FILE"]
    assert env == {"GIT_AUTHOR_NAME": "a", "HOME": "/h"}
