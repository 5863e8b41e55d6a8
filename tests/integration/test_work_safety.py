"""No work lost, nothing half-made: rm, archive and merge against a hostile tester's moves.

Each test reproduces a way work used to be lost or a command used to leave things half-done:
a renamed or deleted branch, commits on a detached HEAD, ignored files, a merge refused after
it had already committed, a merge killed after the base moved. Tasks run the `shell` agent
without a prompt; the tests write the task's files themselves.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from squadron.core.errors import SquadronError, UsageError
from squadron.core.task import Stage, Task
from squadron.engine.engine import Engine
from tests.conftest import git
from tests.integration.helpers import squadron, write_user_config

IGNORES = "*.log\n.env\nbuild/\n"


@pytest.fixture
def engine(repo: Path) -> Engine:
    write_user_config()
    (repo / ".gitignore").write_text(IGNORES, encoding="utf-8")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-qm", "ignore logs, .env and build/")
    return Engine.open(repo)


def new_task(engine: Engine, title: str = "Some work") -> Task:
    return engine.new_task(title, agent="shell")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def commit(cwd: Path, message: str) -> str:
    git(cwd, "add", "-A")
    git(cwd, "commit", "-qm", message)
    return git(cwd, "rev-parse", "HEAD").strip()


def show(repo: Path, rev_path: str) -> str:
    return git(repo, "show", rev_path)


def one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def alive(engine: Engine, task: Task) -> bool:
    return engine.tmux.has_session(task.session)


# -- rm ------------------------------------------------------------------------------------------


def test_rm_with_a_renamed_branch_refuses_then_keeps_everything(engine: Engine, repo: Path) -> None:
    task = new_task(engine)
    wt = Path(task.worktree)
    write(wt / "app.py", "print('changed')\n")
    write(wt / "notes.txt", "uncommitted\n")
    git(wt, "branch", "-m", task.branch, "renamed-by-hand")

    refused = one_line_error(squadron("rm", task.id, cwd=repo), 1)
    assert refused == (
        f"squadron: error: {task.id}'s worktree holds work not merged into main: "
        "2 uncommitted files; merge it, archive it, or rm --force "
        f"(everything is kept under refs/squadron/trash/{task.id})"
    )
    assert (wt / "notes.txt").exists() and alive(engine, task)

    forced = squadron("rm", task.id, "--force", cwd=repo)
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.strip() == (
        f"removed {task.id}; kept under refs/squadron/trash/{task.id}: 2 uncommitted files; "
        f"restore with: git branch {task.branch} refs/squadron/trash/{task.id}"
    )
    assert show(repo, f"refs/squadron/trash/{task.id}:notes.txt") == "uncommitted\n"
    assert show(repo, f"refs/squadron/trash/{task.id}:app.py") == "print('changed')\n"
    assert not wt.exists() and not alive(engine, task)
    assert engine.repo.branch_exists("renamed-by-hand")  # not ours to delete


def test_rm_with_the_branch_deleted_by_hand_keeps_the_worktree_work(
    engine: Engine, repo: Path
) -> None:
    task = new_task(engine)
    wt = Path(task.worktree)
    write(wt / "done.py", "done = True\n")
    done = commit(wt, "committed on the task branch")
    git(wt, "checkout", "-q", "--detach")
    git(repo, "branch", "-D", task.branch)
    write(wt / "wip.py", "wip = True\n")

    refused = one_line_error(squadron("rm", task.id, cwd=repo), 1)
    assert "1 uncommitted file and 1 commit on no other branch" in refused
    assert wt.exists()
    assert squadron("rm", task.id, "--force", cwd=repo).returncode == 0
    trash = f"refs/squadron/trash/{task.id}"
    assert git(repo, "rev-parse", f"{trash}^").strip() == done
    assert show(repo, f"{trash}:wip.py") == "wip = True\n"
    assert show(repo, f"{trash}:done.py") == "done = True\n"


def test_rm_when_the_checked_out_branch_ref_was_deleted(engine: Engine, repo: Path) -> None:
    task = new_task(engine)
    wt = Path(task.worktree)
    write(wt / "done.py", "done = True\n")
    done = commit(wt, "done")
    git(repo, "update-ref", "-d", f"refs/heads/{task.branch}")  # HEAD names no commit now
    with pytest.raises(SquadronError, match="1 commit on no other branch"):
        engine.remove(task.id)
    engine.remove(task.id, force=True)
    assert git(repo, "rev-parse", f"refs/squadron/trash/{task.id}").strip() == done


def test_rm_keeps_commits_made_on_a_detached_head(engine: Engine, repo: Path) -> None:
    task = new_task(engine)
    wt = Path(task.worktree)
    git(wt, "checkout", "-q", "--detach")
    write(wt / "detached.py", "d = 1\n")
    detached = commit(wt, "on a detached HEAD")
    with pytest.raises(SquadronError) as err:
        engine.remove(task.id)
    assert "1 commit on no other branch" in str(err.value)
    assert "uncommitted" not in str(err.value)
    saved = engine.remove(task.id, force=True)
    assert f"git branch {task.branch} refs/squadron/trash/{task.id}" in saved
    assert git(repo, "rev-parse", f"refs/squadron/trash/{task.id}").strip() == detached
    assert not engine.repo.branch_exists(task.branch)


def test_rm_force_keeps_ignored_files(engine: Engine, repo: Path) -> None:
    task = new_task(engine)
    wt = Path(task.worktree)
    write(wt / "run.log", "log line\n")
    write(wt / ".env", "TOKEN=secret\n")
    write(wt / "build/out/app.bin", "binary\n")
    with pytest.raises(SquadronError, match=r"3 ignored files \(29 B\)"):
        engine.remove(task.id)
    saved = engine.remove(task.id, force=True)
    assert f"kept under refs/squadron/trash/{task.id}: 3 ignored files (29 B)" in saved
    trash = f"refs/squadron/trash/{task.id}"
    assert show(repo, f"{trash}:run.log") == "log line\n"
    assert show(repo, f"{trash}:.env") == "TOKEN=secret\n"
    assert show(repo, f"{trash}:build/out/app.bin") == "binary\n"


def test_rm_force_lists_ignored_files_over_the_size_bound(engine: Engine, repo: Path) -> None:
    task = new_task(engine)
    wt = Path(task.worktree)
    write(wt / ".env", "TOKEN=secret\n")
    big = wt / "build" / "huge.bin"
    big.parent.mkdir()
    with big.open("wb") as handle:  # 60 MB, sparse: cheap to make, over the 50 MB bound
        handle.truncate(60_000_000)
    forced = squadron("rm", task.id, "--force", cwd=repo)
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.strip() == (
        f"removed {task.id}; kept under refs/squadron/trash/{task.id}: 1 ignored file (13 B); "
        f"restore with: git branch {task.branch} refs/squadron/trash/{task.id}; not kept "
        "(ignored files over the 50.0 MB bound): build/huge.bin (60.0 MB)"
    )
    trash = f"refs/squadron/trash/{task.id}"
    names = git(repo, "ls-tree", "-r", "--name-only", trash).split()
    assert ".env" in names and "build/huge.bin" not in names


def test_rm_without_force_after_a_squash_merge_keeps_the_commits_anyway(
    engine: Engine, repo: Path
) -> None:
    task = new_task(engine)
    wt = Path(task.worktree)
    write(wt / "f.py", "f = 1\n")
    tip = commit(wt, "f")
    engine.merge(task.id, strategy="squash")
    engine.archive(task.id)
    saved = engine.remove(task.id)  # its changes are in main: nothing would be lost
    assert "1 commit on no other branch" in saved
    assert git(repo, "rev-parse", f"refs/squadron/trash/{task.id}").strip() == tip


def test_rm_of_a_task_whose_worktree_and_branch_are_gone(engine: Engine, repo: Path) -> None:
    gone = new_task(engine, "both gone")
    git(repo, "worktree", "remove", "--force", gone.worktree)
    git(repo, "branch", "-D", gone.branch)
    assert engine.remove(gone.id) == ""
    with pytest.raises(UsageError, match="unknown task"):
        engine.get(gone.id)

    half = new_task(engine, "worktree deleted by hand")
    write(Path(half.worktree) / "f.py", "f = 1\n")
    tip = commit(Path(half.worktree), "f")
    subprocess.run(["rm", "-rf", half.worktree], check=True)  # git still lists it
    with pytest.raises(SquadronError, match=f"{half.id}'s branch {half.branch} holds work"):
        engine.remove(half.id)
    engine.remove(half.id, force=True)
    assert git(repo, "rev-parse", f"refs/squadron/trash/{half.id}").strip() == tip
    assert len(git(repo, "worktree", "list").splitlines()) == 1  # the stale entry is pruned


def test_rm_refuses_while_the_task_branch_is_checked_out_elsewhere(
    engine: Engine, repo: Path
) -> None:
    task = new_task(engine)
    git(repo, "worktree", "remove", "--force", task.worktree)
    git(repo, "checkout", "-q", task.branch)
    with pytest.raises(SquadronError, match=f"checked out in {repo}"):
        engine.remove(task.id, force=True)
    assert alive(engine, task) and engine.repo.branch_exists(task.branch)


# -- archive -------------------------------------------------------------------------------------


def test_archive_keeps_ignored_files_under_a_ref(engine: Engine, repo: Path) -> None:
    task = new_task(engine)
    wt = Path(task.worktree)
    write(wt / "wip.py", "wip = 1\n")
    write(wt / ".env", "TOKEN=secret\n")
    archived = squadron("archive", task.id, cwd=repo)
    assert archived.returncode == 0, archived.stderr
    ref = f"refs/squadron/archive/{task.id}"
    assert archived.stdout.strip() == (
        f"archived {task.id}; branch {task.branch} kept; uncommitted work was committed on "
        f"{task.branch}; kept under {ref}: 1 ignored file (13 B); restore with: "
        f"git branch {task.branch}-archived {ref}"
    )
    assert show(repo, f"{task.branch}:wip.py") == "wip = 1\n"
    assert show(repo, f"{ref}:.env") == "TOKEN=secret\n"
    assert git(repo, "rev-parse", f"{ref}^").strip() == git(repo, "rev-parse", task.branch).strip()


def test_archive_lists_ignored_files_over_the_bound_and_claims_nothing_else(
    engine: Engine, repo: Path
) -> None:
    engine.ignored_limit = 100  # the bound is the engine's to set
    task = new_task(engine)
    write(Path(task.worktree) / "run.log", "x" * 150)
    note = engine.archive(task.id)
    assert note == "not kept (ignored files over the 100 B bound): run.log (150 B)"


def test_archive_on_a_detached_head_saves_the_work(engine: Engine, repo: Path) -> None:
    task = new_task(engine)
    wt = Path(task.worktree)
    git(wt, "checkout", "-q", "--detach")
    write(wt / "detached.py", "d = 1\n")
    detached = commit(wt, "detached")
    write(wt / "pending.txt", "pending\n")
    note = engine.archive(task.id)
    ref = f"refs/squadron/archive/{task.id}"
    assert note.startswith(
        f"the worktree was on a detached HEAD; kept under {ref}: 1 uncommitted file "
        "and 1 commit on no other branch; restore with: "
    )
    assert git(repo, "rev-parse", f"{ref}^").strip() == detached
    assert show(repo, f"{ref}:pending.txt") == "pending\n"
    assert engine.get(task.id).stage == Stage.ARCHIVED
    assert not wt.exists() and not alive(engine, task)
    assert engine.repo.branch_exists(task.branch)


def test_archive_on_a_renamed_branch_leaves_that_branch_alone(engine: Engine, repo: Path) -> None:
    task = new_task(engine)
    wt = Path(task.worktree)
    write(wt / "f.py", "f = 1\n")
    tip = commit(wt, "f")
    git(wt, "branch", "-m", task.branch, "mine")
    write(wt / "later.py", "later = 1\n")
    note = engine.archive(task.id)
    assert note.startswith(
        f"the worktree was on branch mine, not {task.branch}; kept under "
        f"refs/squadron/archive/{task.id}: 1 uncommitted file;"
    )
    assert git(repo, "rev-parse", "mine").strip() == tip  # nothing committed on it
    assert show(repo, f"refs/squadron/archive/{task.id}:later.py") == "later = 1\n"


def test_archive_when_the_branch_was_deleted_under_the_worktree(engine: Engine, repo: Path) -> None:
    task = new_task(engine)
    wt = Path(task.worktree)
    write(wt / "f.py", "f = 1\n")
    done = commit(wt, "f")
    write(wt / "app.py", "print('pending')\n")
    git(repo, "update-ref", "-d", f"refs/heads/{task.branch}")
    archived = squadron("archive", task.id, cwd=repo)
    assert archived.returncode == 0, archived.stderr
    ref = f"refs/squadron/archive/{task.id}"
    assert archived.stdout.startswith(
        f"archived {task.id}; the branch {task.branch} no longer exists; kept under {ref}: "
        "1 uncommitted file and 1 commit on no other branch; restore with: "
    )
    assert git(repo, "rev-parse", f"{ref}^").strip() == done
    assert show(repo, f"{ref}:app.py") == "print('pending')\n"


def test_archive_checks_everything_before_ending_the_agent(engine: Engine, repo: Path) -> None:
    task = new_task(engine)
    wt = Path(task.worktree)
    write(wt / "f.py", "f = 1\n")
    git(repo, "worktree", "lock", str(wt))
    refused = one_line_error(squadron("archive", task.id, cwd=repo), 1)
    assert "worktree is locked" in refused and "nothing was changed" in refused
    assert alive(engine, task) and (wt / "f.py").exists()
    assert engine.get(task.id).stage == Stage.RUNNING
    git(repo, "worktree", "unlock", str(wt))
    assert squadron("archive", task.id, cwd=repo).returncode == 0
    assert not alive(engine, task)


# -- merge ---------------------------------------------------------------------------------------


def test_merge_refused_by_a_dirty_base_checkout_commits_nothing(engine: Engine, repo: Path) -> None:
    task = new_task(engine)
    wt = Path(task.worktree)
    write(wt / "app.py", "print('task')\n")  # pending in the task's worktree
    write(repo / "app.py", "print('my local edit')\n")  # uncommitted in the base checkout
    tip = git(repo, "rev-parse", task.branch)
    status = git(wt, "status", "--porcelain")
    for strategy in ("merge", "squash", "rebase"):
        refused = one_line_error(squadron("merge", task.id, "--strategy", strategy, cwd=repo), 1)
        assert "with uncommitted changes to: app.py" in refused
        assert git(repo, "rev-parse", task.branch) == tip
        assert git(wt, "status", "--porcelain") == status
    assert engine.get(task.id).stage == Stage.RUNNING


def test_merge_refused_by_the_check_commits_nothing(engine: Engine, repo: Path) -> None:
    write_user_config('check = "false"\n')
    gated = Engine.open(repo)
    task = new_task(gated)
    write(Path(task.worktree) / "f.py", "f = 1\n")
    tip = git(repo, "rev-parse", task.branch)
    with pytest.raises(SquadronError, match="has not been run"):
        gated.merge(task.id)
    assert git(repo, "rev-parse", task.branch) == tip


def test_work_already_in_the_base_is_marked_merged(engine: Engine, repo: Path) -> None:
    task = new_task(engine)
    wt = Path(task.worktree)
    write(wt / "f.py", "f = 1\n")
    commit(wt, "f")
    git(repo, "merge", "-q", "--squash", task.branch)
    git(repo, "commit", "-qm", "landed by hand")
    merged = squadron("merge", task.id, cwd=repo)
    assert merged.returncode == 0, merged.stderr
    assert merged.stdout.strip() == f"{task.id}'s work is already in main; marked merged"
    assert engine.get(task.id).stage == Stage.MERGED
    again = one_line_error(squadron("merge", task.id, cwd=repo), 1)
    assert again.endswith(f"{task.id} is already merged")


def test_a_task_that_changed_nothing_has_nothing_to_merge(engine: Engine, repo: Path) -> None:
    task = new_task(engine)
    write(repo / "base.py", "b = 1\n")
    commit(repo, "the base moves on")
    refused = one_line_error(squadron("merge", task.id, cwd=repo), 1)
    assert refused == (
        f"squadron: error: nothing to merge: {task.id} has not changed anything since it "
        "started from main"
    )
    # an older task (no recorded start) is told apart by its branch's first reflog entry
    engine._update(task.id, lambda t: setattr(t, "start_commit", ""))
    with pytest.raises(SquadronError, match="has not changed anything"):
        engine.merge(task.id)
    write(Path(task.worktree) / "f.py", "f = 1\n")
    commit(Path(task.worktree), "f")
    git(repo, "merge", "-q", task.branch)
    assert engine.merge_task(task.id).already


def test_merge_in_a_detached_worktree_is_refused_before_anything(
    engine: Engine, repo: Path
) -> None:
    task = new_task(engine)
    wt = Path(task.worktree)
    git(wt, "checkout", "-q", "--detach")
    write(wt / "f.py", "f = 1\n")
    main = git(repo, "rev-parse", "main")
    with pytest.raises(SquadronError, match="worktree is on a detached HEAD"):
        engine.merge(task.id)
    assert git(repo, "rev-parse", "main") == main


def test_merge_lands_pending_work_with_the_task_title(engine: Engine, repo: Path) -> None:
    task = new_task(engine, "Add the feature")
    wt = Path(task.worktree)
    write(wt / "feature.py", "feature = 1\n")
    write(repo / "other.py", "o = 1\n")
    commit(repo, "base moves")
    outcome = engine.merge_task(task.id, strategy="rebase")
    assert not outcome.already
    assert outcome.message == f"merged {task.id} into main (rebase) as {outcome.commit[:10]}"
    assert git(repo, "log", "-1", "--format=%s", "main").strip() == "Add the feature"
    assert git(wt, "rev-parse", "HEAD").strip() == outcome.commit
    assert git(wt, "status", "--porcelain") == ""
    leftovers = [w for w in git(repo, "worktree", "list").splitlines() if "rebase" in w]
    assert leftovers == []
    assert os.path.exists(task.worktree)
