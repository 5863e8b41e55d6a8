"""A moved repository (or one moved with its worktrees) is repaired, not stranded."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from squadron.engine import supervision
from squadron.engine.engine import Engine
from tests.conftest import git
from tests.integration.helpers import squadron, write_user_config


def start(repo: Path) -> tuple[Engine, Path]:
    write_user_config()
    engine = Engine.open(repo)
    task = engine.new_task("Moving", agent="fake")
    wt = Path(task.worktree)
    (wt / "work.txt").write_text("done\n", encoding="utf-8")
    supervision.stop(engine)
    return engine, wt


def test_a_moved_repository_repairs_its_worktrees(repo: Path) -> None:
    _, wt = start(repo)
    moved = repo.with_name("renamed")
    shutil.move(repo, moved)
    assert git(moved, "worktree", "list")  # the main checkout still works
    diff = squadron("diff", "t1", "--stat", cwd=moved)
    assert diff.returncode == 0, diff.stderr
    assert "work.txt" in diff.stdout
    assert "repaired its worktree's link" in diff.stderr
    assert git(wt, "rev-parse", "--show-toplevel").strip() == str(wt)  # fixed for git too


def test_doctor_names_a_broken_link_and_fix_repairs_it(repo: Path) -> None:
    _, wt = start(repo)
    moved = repo.with_name("elsewhere")
    shutil.move(repo, moved)
    doctor = squadron("doctor", cwd=moved)
    assert "t1: its worktree lost its link to the repository" in doctor.stdout
    fixed = squadron("doctor", "--fix", cwd=moved)
    assert "t1: repaired its worktree's link" in fixed.stdout
    assert git(wt, "status", "--porcelain").strip() == "?? work.txt"


def test_a_repository_moved_with_its_worktrees_finds_them(tmp_path: Path) -> None:
    old_parent = tmp_path / "before"
    repo = old_parent / "proj"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "initial")
    _, wt = start(repo)
    new_parent = tmp_path / "after"
    shutil.move(old_parent, new_parent)  # the repository and .squadron-worktrees beside it
    moved_repo = new_parent / "proj"
    diff = squadron("diff", "t1", "--stat", cwd=moved_repo)
    assert diff.returncode == 0, diff.stderr
    assert "work.txt" in diff.stdout
    (row,) = json.loads(squadron("ls", "--json", cwd=moved_repo).stdout)
    assert Path(row["worktree"]) == new_parent / wt.relative_to(old_parent)
