"""Fault injection: `merge`, `archive` and `rm` killed (SIGKILL) between their steps.

Each case runs the real command line with ``SQUADRON_FAULT`` naming one fault point, so the
process dies there exactly as ``kill -9`` would. Then: nothing is lost (every commit and every
file the task had, ignored ones included, is still reachable from some ref or still on disk),
``ls`` still works, and running the same command again completes it.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from squadron.adapters.git import REBASE_PREFIX
from squadron.core.task import Task
from squadron.engine.engine import Engine
from tests.conftest import git
from tests.integration.helpers import squadron, write_user_config

KILLED = -signal.SIGKILL


@pytest.fixture
def engine(repo: Path) -> Engine:
    write_user_config()
    (repo / ".gitignore").write_text("*.log\n.env\n", encoding="utf-8")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-qm", "ignore logs and .env")
    return Engine.open(repo)


def busy_task(engine: Engine, repo: Path) -> Task:
    """A task with a commit, pending tracked and untracked changes and ignored files, whose
    base has moved on since (so a rebase has real work to do)."""
    task = engine.new_task("Faulty work", agent="fake")
    wt = Path(task.worktree)
    (wt / "feature.py").write_text("feature = 1\n", encoding="utf-8")
    git(wt, "add", "-A")
    git(wt, "commit", "-qm", "feature")
    (wt / "app.py").write_text("print('pending')\n", encoding="utf-8")
    (wt / "untracked.txt").write_text("new\n", encoding="utf-8")
    (wt / "run.log").write_text("log\n", encoding="utf-8")
    (wt / ".env").write_text("TOKEN=1\n", encoding="utf-8")
    (repo / "base.py").write_text("base = 1\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "the base moves on")
    return task


Inventory = tuple[set[str], dict[str, str]]


def inventory(repo: Path, wt: Path) -> Inventory:
    """Every commit reachable now (refs and worktree HEADs) and every file in the worktree."""
    commits = set(git(repo, "rev-list", "--all").split())
    files = {
        str(p.relative_to(wt)): git(repo, "hash-object", "--", str(p)).strip()
        for p in wt.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(wt).parts
    }
    return commits, files


def assert_nothing_lost(repo: Path, wt: Path, before: Inventory, rebased: bool = False) -> None:
    """``rebased``: a landed rebase replaces the branch's commits by copies on the base; the
    originals may then be gone from every ref, as long as the base holds their changes."""
    commits, files = before
    missing = commits - set(git(repo, "rev-list", "--all").split())
    if rebased:
        missing = {c for c in missing if "+" in git(repo, "cherry", "main", c).split()}
    assert not missing, f"commits lost: {missing}"
    kept: set[tuple[str, str]] = set()
    for ref in git(repo, "for-each-ref", "--format=%(refname)", "refs/").split():
        for line in git(repo, "ls-tree", "-r", ref).splitlines():
            meta, path = line.split("\t", 1)
            kept.add((path, meta.split()[2]))
    for path, blob in files.items():
        on_disk = (wt / path).is_file() and git(
            repo, "hash-object", "--", str(wt / path)
        ).strip() == blob
        assert on_disk or (path, blob) in kept, f"file lost: {path}"


def rebase_worktrees(engine: Engine) -> list[Path]:
    return [w.path for w in engine.repo.list_worktrees() if REBASE_PREFIX in w.path.parent.name]


def killed_at(point: str, *args: str, repo: Path) -> None:
    result = squadron(*args, cwd=repo, env={"SQUADRON_FAULT": point})
    assert result.returncode == KILLED, f"not killed at {point}: {result.stdout}{result.stderr}"
    listing = squadron("ls", "--json", "--all", cwd=repo)
    assert listing.returncode == 0, listing.stderr
    json.loads(listing.stdout)


@pytest.mark.parametrize(
    "point", ["rm:session-ended", "rm:saved", "rm:worktree-removed", "rm:branch-deleted"]
)
def test_rm_killed_at_each_step_loses_nothing_and_finishes_when_run_again(
    engine: Engine, repo: Path, point: str
) -> None:
    task = busy_task(engine, repo)
    wt = Path(task.worktree)
    before = inventory(repo, wt)
    killed_at(point, "rm", task.id, "--force", repo=repo)
    assert_nothing_lost(repo, wt, before)
    again = squadron("rm", task.id, "--force", cwd=repo)
    assert again.returncode == 0, again.stderr
    assert_nothing_lost(repo, wt, before)
    assert not wt.exists() and not engine.repo.branch_exists(task.branch)
    assert json.loads(squadron("ls", "--json", "--all", cwd=repo).stdout) == []


@pytest.mark.parametrize(
    "point", ["archive:session-ended", "archive:saved", "archive:worktree-removed"]
)
def test_archive_killed_at_each_step_loses_nothing_and_finishes_when_run_again(
    engine: Engine, repo: Path, point: str
) -> None:
    task = busy_task(engine, repo)
    wt = Path(task.worktree)
    before = inventory(repo, wt)
    killed_at(point, "archive", task.id, repo=repo)
    assert_nothing_lost(repo, wt, before)
    again = squadron("archive", task.id, cwd=repo)
    assert again.returncode == 0, again.stderr
    assert_nothing_lost(repo, wt, before)
    assert not wt.exists() and engine.get(task.id).stage == "archived"
    assert git(repo, "show", f"refs/squadron/archive/{task.id}:.env") == "TOKEN=1\n"


@pytest.mark.parametrize(
    ("point", "strategy", "finish"),
    [
        ("merge:branch-moved", "merge", "merged t1 into main (merge)"),
        ("merge:base-moved", "merge", "t1's work is already in main; marked merged"),
        ("merge:base-moved", "squash", "t1's work is already in main; marked merged"),
        ("merge:rebasing", "rebase", "merged t1 into main (rebase)"),
        ("merge:branch-moved", "rebase", "merged t1 into main (rebase)"),
        ("merge:base-moved", "rebase", "t1's work is already in main; marked merged"),
    ],
)
def test_merge_killed_at_each_step_loses_nothing_and_finishes_when_run_again(
    engine: Engine, repo: Path, point: str, strategy: str, finish: str
) -> None:
    task = busy_task(engine, repo)
    wt = Path(task.worktree)
    before = inventory(repo, wt)
    killed_at(point, "merge", task.id, "--strategy", strategy, repo=repo)
    assert_nothing_lost(repo, wt, before)
    assert engine.get(task.id).stage == "running"
    leftovers = rebase_worktrees(engine)
    assert len(leftovers) == (point == "merge:rebasing")  # the crash left one behind
    again = squadron("merge", task.id, "--strategy", strategy, cwd=repo)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(finish)
    assert engine.get(task.id).stage == "merged"
    for name in ("feature.py", "app.py", "untracked.txt"):
        assert (wt / name).read_text() == git(repo, "show", f"main:{name}")
    assert_nothing_lost(repo, wt, before, rebased=strategy == "rebase")
    assert rebase_worktrees(engine) == []
    assert not any(path.parent.exists() for path in leftovers)


def test_a_refused_merge_is_not_a_fault(engine: Engine, repo: Path) -> None:
    """The fault points sit after the checks: a refused merge never reaches one."""
    task = busy_task(engine, repo)
    (repo / "app.py").write_text("print('local edit')\n", encoding="utf-8")
    tip, main = git(repo, "rev-parse", task.branch), git(repo, "rev-parse", "main")
    for point in ("merge:branch-moved", "merge:base-moved", "merge:rebasing"):
        result = squadron(
            "merge", task.id, "--strategy", "rebase", cwd=repo, env={"SQUADRON_FAULT": point}
        )
        assert result.returncode == 1 and "uncommitted changes to: app.py" in result.stderr
        assert (git(repo, "rev-parse", task.branch), git(repo, "rev-parse", "main")) == (tip, main)


# -- new ------------------------------------------------------------------------------------


def _ls(repo: Path) -> list[dict[str, object]]:
    result = squadron("ls", "--json", cwd=repo)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    return rows


@pytest.mark.parametrize(
    ("step", "made"),
    [("new:recorded", False), ("new:worktree-added", True), ("new:session-started", True)],
)
def test_new_killed_at_each_step_is_visible_and_finished_or_rolled_back(
    engine: Engine, repo: Path, step: str, made: bool
) -> None:
    killed = squadron(
        "new", "Half made", "--agent", "fake", "--prompt", "write half.txt done",
        cwd=repo, env={"SQUADRON_FAULT": step},
    )  # fmt: skip
    assert killed.returncode == KILLED
    (row,) = _ls(repo)  # the task exists from the first step on: never invisible
    assert row["id"] == "t1" and row["stage"] == "creating" and row["half_made"] is True
    listing = squadron("ls", cwd=repo)
    assert "t1: its `new` was killed" in listing.stdout
    doctor = squadron("doctor", cwd=repo)
    assert "t1 was left half-made by a killed `new`" in doctor.stdout
    assert ("finishes it" if made else "rolls it back") in doctor.stdout
    assert Path(str(row["worktree"])).is_dir() is made

    fixed = squadron("doctor", "--fix", cwd=repo)
    assert ("finished t1" if made else "rolled back t1") in fixed.stdout, fixed.stdout
    rows = _ls(repo)
    if made:
        (row,) = rows
        assert row["stage"] == "running" and row["half_made"] is False
        wt = Path(str(row["worktree"]))
        from tests.conftest import wait_until

        wait_until(lambda: (wt / "half.txt").exists(), 20, message="the prompt, typed once")
    else:
        assert rows == []
        assert git(repo, "branch", "--list", "squadron/*").strip() == ""
        assert git(repo, "worktree", "list").count("\n") == 1
    again = squadron("new", "Next", "--agent", "fake", cwd=repo)
    assert again.stdout.strip() == "t2"  # the half-made task's id is never used again


def test_rm_removes_a_half_made_task(engine: Engine, repo: Path) -> None:
    killed = squadron(
        "new", "Half", "--agent", "fake", cwd=repo, env={"SQUADRON_FAULT": "new:worktree-added"}
    )
    assert killed.returncode == KILLED
    result = squadron("rm", "t1", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert _ls(repo) == []
    assert git(repo, "branch", "--list", "squadron/*").strip() == ""
