"""The git adapter against real git, in throw-away repositories."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from squadron.adapters import git as git_adapter
from squadron.adapters.git import (
    MIN_GIT_VERSION,
    REBASE_PREFIX,
    FileStat,
    GitError,
    GitRepo,
    MergeConflict,
    MergeStrategy,
    NotARepoError,
    NothingToMerge,
    git_version,
    totals,
)
from tests.conftest import git

HOSTILE_FILES = [
    'it\'s "quoted".txt',
    "$(touch pwned).py",
    "-rf.txt",
    "ünï cødé.md",
    "semi;colon & amp.txt",
    "sub dir/--help",
]
HOSTILE_BRANCH = "squadron/it's-$(touch${IFS}pwned);`x`-ünï"
HOSTILE_TITLE = 'Fix "quotes" $(rm -rf /) ; echo hi\nsecond line ünï\n-leading'


@pytest.fixture
def gr(repo: Path) -> GitRepo:
    return GitRepo.discover(repo)


def make_task(gr: GitRepo, repo: Path, name: str = "t1", base: str = "main") -> Path:
    path = repo.parent / "wt" / name
    gr.add_worktree(path, f"squadron/{name}", base)
    return path


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def commit_all(cwd: Path, message: str) -> str:
    git(cwd, "add", "-A")
    git(cwd, "commit", "-qm", message)
    return git(cwd, "rev-parse", "HEAD").strip()


def head(cwd: Path, rev: str = "HEAD") -> str:
    return git(cwd, "rev-parse", rev).strip()


def parents(cwd: Path, rev: str) -> list[str]:
    return git(cwd, "rev-list", "--parents", "-n1", rev).split()[1:]


def state(repo: Path, *worktrees: Path) -> dict[str, object]:
    """Everything a failed operation must leave unchanged."""
    result: dict[str, object] = {
        "refs": git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        "worktrees": git(repo, "worktree", "list", "--porcelain"),
    }
    for wt in (repo, *worktrees):
        index = Path(git(wt, "rev-parse", "--path-format=absolute", "--git-path", "index").strip())
        result[f"{wt}:status"] = git(wt, "status", "--porcelain", "-uall")
        result[f"{wt}:index"] = index.read_bytes()
        result[f"{wt}:files"] = {
            str(p.relative_to(wt)): p.read_bytes()
            for p in sorted(wt.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(wt).parts
        }
    return result


# -- discovery ---------------------------------------------------------------------------------


def test_discover_from_subfolder_and_from_a_linked_worktree(gr: GitRepo, repo: Path) -> None:
    (repo / "pkg" / "deep").mkdir(parents=True)
    inner = GitRepo.discover(repo / "pkg" / "deep")
    assert inner.toplevel == repo
    assert inner.common_dir == repo / ".git"
    assert inner.name == "proj"
    wt = make_task(gr, repo)
    from_wt = GitRepo.discover(wt)
    assert from_wt.toplevel == repo  # the main working tree, not the linked one
    assert from_wt.common_dir == repo / ".git"
    assert GitRepo.discover(repo / ".git").toplevel == repo


def test_not_a_repo_is_a_one_line_error(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(NotARepoError) as err:
        GitRepo.discover(plain)
    assert str(err.value) == f"not a git repository: {plain}"
    with pytest.raises(NotARepoError):
        GitRepo.discover(tmp_path / "missing")
    assert isinstance(err.value, GitError)


def test_git_version_meets_the_floor() -> None:
    version = git_version()
    assert len(version) == 3
    assert version >= MIN_GIT_VERSION


def test_missing_git_is_a_clear_error(
    gr: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with monkeypatch.context() as patch, pytest.raises(GitError) as err:
        patch.setenv("PATH", str(tmp_path))
        gr.current_branch()
    assert str(err.value) == "git is not installed or not on PATH"


# -- refs ----------------------------------------------------------------------------------------


def test_branches_and_revisions(gr: GitRepo, repo: Path) -> None:
    assert gr.current_branch() == "main"
    assert gr.branch_exists("main")
    assert not gr.branch_exists("nope")
    assert not gr.branch_exists("bad name with spaces")
    assert gr.rev_parse("main") == head(repo)
    with pytest.raises(GitError, match=r"^unknown revision: 'nope'$"):
        gr.rev_parse("nope")
    with pytest.raises(GitError, match="unknown revision"):
        gr.rev_parse("--all")  # an option-looking name is a revision, not an option
    git(repo, "checkout", "-q", "--detach")
    assert gr.current_branch() is None


def test_unique_branch_counts_up_and_avoids_folder_clashes(gr: GitRepo, repo: Path) -> None:
    assert gr.unique_branch("squadron/fix") == "squadron/fix"
    git(repo, "branch", "squadron/fix")
    git(repo, "branch", "squadron/fix-2")
    assert gr.unique_branch("squadron/fix") == "squadron/fix-3"
    git(repo, "branch", "tools/a/b")
    assert gr.unique_branch("tools/a") == "tools/a-2"  # refs/heads/tools/a/ is a folder
    git(repo, "branch", "solo")
    assert gr.unique_branch("solo/x") == "solo-x"  # refs/heads/solo is a file
    git(repo, "branch", "solo-x")
    assert gr.unique_branch("solo/x") == "solo-x-2"


# -- worktrees -----------------------------------------------------------------------------------


def test_add_and_remove_worktree_and_delete_branch(gr: GitRepo, repo: Path) -> None:
    path = repo.parent / "wt" / "deep" / "t1"
    gr.add_worktree(path, HOSTILE_BRANCH, "main")
    assert (path / "app.py").is_file()
    assert gr.current_branch(path) == HOSTILE_BRANCH
    assert gr.branch_exists(HOSTILE_BRANCH)
    found = gr.branch_worktree(HOSTILE_BRANCH)
    assert found is not None and found.path == path
    assert [w.path for w in gr.list_worktrees()] == [repo, path]
    write(path / "untracked.txt", "agent work\n")
    gr.remove_worktree(path)
    assert not path.exists()
    assert [w.path for w in gr.list_worktrees()] == [repo]
    gr.delete_branch(HOSTILE_BRANCH)
    assert not gr.branch_exists(HOSTILE_BRANCH)
    assert not list(repo.parent.rglob("pwned"))


def test_remove_worktree_whose_folder_is_already_gone(gr: GitRepo, repo: Path) -> None:
    path = make_task(gr, repo)
    git(repo, "worktree", "remove", "--force", str(path))
    gr.remove_worktree(path)  # no error: nothing left to remove
    assert [w.path for w in gr.list_worktrees()] == [repo]


def test_add_worktree_with_missing_base_says_so(gr: GitRepo, repo: Path) -> None:
    with pytest.raises(GitError) as err:
        gr.add_worktree(repo.parent / "wt" / "x", "squadron/x", "develop")
    assert str(err.value) == "base branch 'develop' does not exist"
    assert not gr.branch_exists("squadron/x")
    assert not (repo.parent / "wt" / "x").exists()


def test_add_worktree_errors_are_one_line(gr: GitRepo, repo: Path) -> None:
    make_task(gr, repo, "t1")
    with pytest.raises(GitError) as err:
        gr.add_worktree(repo.parent / "wt" / "t2", "squadron/t1", "main")
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("git worktree failed:")
    assert "squadron/t1" in message and "already exists" in message


def test_add_worktree_from_a_tag_or_commit(gr: GitRepo, repo: Path) -> None:
    git(repo, "tag", "v1")
    path = repo.parent / "wt" / "tagged"
    gr.add_worktree(path, "from-tag", "v1")
    assert head(path) == head(repo)


# -- snapshot ------------------------------------------------------------------------------------


def test_snapshot_captures_everything_and_changes_nothing(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    write(wt / ".gitignore", "*.log\n")
    commit_all(wt, "ignore logs")
    write(wt / "app.py", "print('staged')\n")
    git(wt, "add", "app.py")
    write(wt / "app.py", "print('staged then edited')\n")  # unstaged on top of staged
    write(wt / "README.md", "# changed, unstaged\n")
    write(wt / "new dir/untracked.py", "x = 1\n")
    write(wt / "debug.log", "ignored\n")
    before = state(repo, wt)
    ls_files = git(wt, "ls-files", "--stage")
    base_head = head(wt)

    snap = gr.snapshot(wt)

    assert state(repo, wt) == before
    assert git(wt, "ls-files", "--stage") == ls_files  # no `add -N` (intent-to-add) entries
    assert snap.dirty
    assert snap.head == base_head
    assert parents(repo, snap.commit) == [base_head]
    assert head(repo, f"{snap.commit}^{{tree}}") == snap.tree
    assert git(repo, "show", f"{snap.tree}:app.py") == "print('staged then edited')\n"
    assert git(repo, "show", f"{snap.tree}:README.md") == "# changed, unstaged\n"
    assert git(repo, "show", f"{snap.tree}:new dir/untracked.py") == "x = 1\n"
    names = git(repo, "ls-tree", "-r", "--name-only", snap.tree).splitlines()
    assert "debug.log" not in names
    assert not any(ref for ref in git(repo, "for-each-ref").splitlines() if snap.commit in ref)


def test_snapshot_of_a_clean_worktree_is_its_head(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    snap = gr.snapshot(wt)
    assert not snap.dirty
    assert snap.commit == snap.head == head(wt)
    assert snap.tree == head(wt, "HEAD^{tree}")
    # also the main checkout, whose index path is relative by default
    assert not gr.snapshot(repo).dirty


def test_snapshot_sees_deletions(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    (wt / "README.md").unlink()
    snap = gr.snapshot(wt)
    assert snap.dirty
    assert git(repo, "ls-tree", "--name-only", snap.tree).split() == ["app.py"]
    assert git(wt, "status", "--porcelain") == " D README.md\n"


# -- diff ----------------------------------------------------------------------------------------


def test_diff_covers_committed_staged_unstaged_and_untracked(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    write(wt / "committed.py", "c = 1\n")
    commit_all(wt, "committed")
    write(wt / "staged.py", "s = 1\n")
    git(wt, "add", "staged.py")
    write(wt / "app.py", "print('unstaged')\n")
    write(wt / "untracked.py", "u = 1\nu2 = 2\n")
    # the base moving on must not show up in the task's diff
    write(repo / "base_only.py", "b = 1\n")
    commit_all(repo, "base moves on")

    text = gr.diff(wt, "main")
    for name in ("committed.py", "staged.py", "app.py", "untracked.py"):
        assert f"diff --git a/{name} b/{name}" in text
    assert "base_only.py" not in text
    assert "+u2 = 2" in text

    stat = gr.diff(wt, "main", stat=True)
    assert "untracked.py | 2 ++" in stat
    assert "4 files changed" in stat

    stats = {s.path: s for s in gr.numstat(wt, "main")}
    assert stats["untracked.py"] == FileStat("untracked.py", 2, 0, False)
    assert stats["app.py"] == FileStat("app.py", 1, 1, False)
    assert totals(stats.values()) == (5, 1)


def test_diff_of_hostile_names(gr: GitRepo, repo: Path) -> None:
    path = repo.parent / "wt" / "hostile"
    gr.add_worktree(path, HOSTILE_BRANCH, "main")
    for i, name in enumerate(HOSTILE_FILES):
        write(path / name, f"line {i}\n")
    git(path, "add", "--", HOSTILE_FILES[0])
    git(path, "commit", "-qm", HOSTILE_TITLE)

    stats = gr.numstat(path, "main")
    assert sorted(s.path for s in stats) == sorted(HOSTILE_FILES)
    assert all((s.added, s.removed) == (1, 0) for s in stats)
    text = gr.diff(path, "main")
    assert "+++ b/ünï cødé.md" in text  # core.quotePath=false: non-ASCII left readable
    assert "+++ b/$(touch pwned).py" in text
    assert "+++ b/-rf.txt" in text
    assert '"b/it\'s \\"quoted\\".txt"' in text  # quotes are C-quoted, as git does
    assert gr.commits_ahead("main", HOSTILE_BRANCH) == 1
    assert not list(repo.parent.rglob("pwned"))


def test_numstat_renames_and_binary_files(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    git(wt, "mv", "app.py", "main.py")
    (wt / "logo.png").write_bytes(b"\x89PNG\0\1\2\3" * 10)
    stats = {s.path: s for s in gr.numstat(wt, "main")}
    assert stats["main.py"] == FileStat("main.py", 0, 0, False, old_path="app.py")
    assert stats["logo.png"].binary
    assert totals(stats.values()) == (0, 0)


def test_diff_of_a_thousand_files_is_one_fast_call(
    gr: GitRepo, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wt = make_task(gr, repo)
    for i in range(1000):
        write(wt / f"pkg{i % 10}" / f"f{i}.py", f"v = {i}\n")
    calls: list[list[str]] = []
    real = git_adapter._GIT

    class Spy:
        def execute(self, argv: list[str], **kw: object) -> object:
            calls.append(argv)
            return real.execute(argv, **kw)  # type: ignore[call-overload]

    monkeypatch.setattr(git_adapter, "_GIT", Spy())
    started = time.monotonic()
    stats = gr.numstat(wt, "main")
    elapsed = time.monotonic() - started
    assert len(stats) == 1000
    assert totals(stats) == (1000, 0)
    assert len(calls) <= 6  # a fixed number of git runs, not one per file
    assert sum("diff" in argv for argv in calls) == 1
    assert elapsed < 3.0  # typically ~0.1 s; the call count above is the real guard


def test_diff_against_missing_base(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    with pytest.raises(GitError, match=r"^base branch 'gone' does not exist$"):
        gr.diff(wt, "gone")


# -- status and counts ---------------------------------------------------------------------------


def test_dirty_files_lists_every_kind_of_change(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    assert gr.dirty_files(wt) == set()
    git(wt, "mv", "app.py", "renamed.py")
    write(wt / "README.md", "edited\n")
    write(wt / "new folder/new file.txt", "n\n")
    write(wt / "line\nbreak.txt", "n\n")
    assert gr.dirty_files(wt) == {
        "app.py",
        "renamed.py",
        "README.md",
        "new folder/new file.txt",
        "line\nbreak.txt",
    }


def test_commits_ahead_and_unmerged_work(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    assert gr.commits_ahead("main", "squadron/t1") == 0
    assert not gr.has_unmerged_work("main", "squadron/t1", wt)
    write(wt / "scratch.txt", "uncommitted\n")
    assert gr.has_unmerged_work("main", "squadron/t1", wt)
    assert not gr.has_unmerged_work("main", "squadron/t1")  # without the worktree: no commits
    commit_all(wt, "one")
    write(wt / "two.txt", "2\n")
    commit_all(wt, "two")
    assert gr.commits_ahead("main", "squadron/t1") == 2
    assert gr.has_unmerged_work("main", "squadron/t1", wt)
    gr.merge("squadron/t1", "main", "squash")
    # squash-merged: its commits are not in main, but no work would be lost
    assert gr.commits_ahead("main", "squadron/t1") == 2
    assert not gr.has_unmerged_work("main", "squadron/t1", wt)


# -- commit_pending and refs ---------------------------------------------------------------------


def test_commit_pending_commits_everything_and_syncs_the_index(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    old = head(wt)
    write(wt / "app.py", "print('edited')\n")
    write(wt / "untracked.py", "u = 1\n")
    write(wt / "staged.py", "s = 1\n")
    git(wt, "add", "staged.py")
    files = {p.name: p.read_bytes() for p in wt.iterdir() if p.is_file()}

    assert gr.commit_pending(wt, HOSTILE_TITLE) is True

    assert parents(wt, "HEAD") == [old]
    assert head(wt) == head(repo, "squadron/t1")
    assert gr.current_branch(wt) == "squadron/t1"
    assert git(wt, "status", "--porcelain", "-uall") == ""
    assert {p.name: p.read_bytes() for p in wt.iterdir() if p.is_file()} == files
    assert git(wt, "log", "-1", "--format=%B").rstrip("\n") == HOSTILE_TITLE
    assert git(wt, "log", "-1", "--format=%an <%ae>").strip() == "Test User <test@example.com>"
    names = git(wt, "ls-tree", "--name-only", "HEAD").split()
    assert {"untracked.py", "staged.py", "app.py"} <= set(names)
    assert gr.commit_pending(wt, "nothing left") is False
    assert parents(wt, "HEAD") == [old]


def test_commit_pending_falls_back_to_a_squadron_identity(
    gr: GitRepo, repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    wt = make_task(gr, repo)
    bare_config = tmp_path / "empty.gitconfig"
    bare_config.write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(bare_config))
    monkeypatch.delenv("EMAIL", raising=False)
    write(wt / "x.txt", "x\n")
    assert gr.commit_pending(wt, "by squadron")
    who = git(wt, "log", "-1", "--format=%an <%ae>|%cn <%ce>").strip()
    assert who == "squadron <squadron@localhost>|squadron <squadron@localhost>"


def test_commit_pending_on_detached_head_is_refused(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    git(wt, "checkout", "-q", "--detach")
    write(wt / "x.txt", "x\n")
    with pytest.raises(GitError, match="not on a branch"):
        gr.commit_pending(wt, "x")


def test_save_ref_keeps_a_snapshot_reachable(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    write(wt / "work.txt", "precious\n")
    snap = gr.snapshot(wt)
    gr.save_ref("refs/squadron/trash/t1", snap.commit)
    assert head(repo, "refs/squadron/trash/t1") == snap.commit
    with pytest.raises(GitError, match="not a full ref name"):
        gr.save_ref("trash/t1", snap.commit)


# -- forecast and merge --------------------------------------------------------------------------


def diverge(gr: GitRepo, repo: Path) -> Path:
    """A task branch with one commit, and a base that moved on in an unrelated file."""
    wt = make_task(gr, repo)
    write(wt / "feature.py", "feature = True\n")
    commit_all(wt, "feature")
    write(repo / "other.py", "other = True\n")
    commit_all(repo, "base moves on")
    return wt


def conflict(gr: GitRepo, repo: Path) -> Path:
    wt = make_task(gr, repo)
    write(wt / "app.py", "print('task')\n")
    write(wt / "extra.py", "e = 1\n")
    commit_all(wt, "task edit")
    write(repo / "app.py", "print('base')\n")
    commit_all(repo, "base edit")
    return wt


def test_forecast_clean_and_conflicting(gr: GitRepo, repo: Path) -> None:
    diverge(gr, repo)
    before = state(repo)
    clean = gr.forecast_merge("main", "squadron/t1")
    assert clean.clean and clean.conflicts == []
    assert clean.tree is not None
    assert git(repo, "ls-tree", "--name-only", clean.tree).split() == [
        "README.md",
        "app.py",
        "feature.py",
        "other.py",
    ]
    assert state(repo) == before


def test_forecast_conflict_lists_files_and_touches_nothing(gr: GitRepo, repo: Path) -> None:
    wt = conflict(gr, repo)
    before = state(repo, wt)
    forecast = gr.forecast_merge("main", "squadron/t1")
    assert not forecast.clean
    assert forecast.conflicts == ["app.py"]
    assert forecast.tree is None
    assert state(repo, wt) == before


def test_merge_strategy_merge_makes_a_two_parent_commit(gr: GitRepo, repo: Path) -> None:
    wt = diverge(gr, repo)
    old_main, tip = head(repo), head(wt)
    result = gr.merge("squadron/t1", "main", "merge", HOSTILE_TITLE)
    assert result.strategy is MergeStrategy.MERGE
    assert head(repo, "main") == result.commit
    assert parents(repo, result.commit) == [old_main, tip]
    assert git(repo, "log", "-1", "--format=%B").rstrip("\n") == HOSTILE_TITLE
    # main is checked out in the repo: it was fast-forwarded, files and all, still on main
    assert gr.current_branch() == "main"
    assert (repo / "feature.py").read_text(encoding="utf-8") == "feature = True\n"
    assert git(repo, "status", "--porcelain") == ""
    assert head(wt) == tip  # the task branch is untouched


def test_merge_strategy_squash_makes_one_single_parent_commit(gr: GitRepo, repo: Path) -> None:
    wt = diverge(gr, repo)
    write(wt / "second.py", "s = 2\n")
    commit_all(wt, "second")
    old_main = head(repo)
    result = gr.merge("squadron/t1", "main", MergeStrategy.SQUASH, "Add the feature")
    assert parents(repo, result.commit) == [old_main]
    assert head(repo, "main") == result.commit
    assert git(repo, "log", "-1", "--format=%s").strip() == "Add the feature"
    assert sorted(git(repo, "diff", "--name-only", old_main, result.commit).split()) == [
        "feature.py",
        "second.py",
    ]
    assert git(repo, "status", "--porcelain") == ""


def test_merge_strategy_rebase_replays_then_fast_forwards(gr: GitRepo, repo: Path) -> None:
    wt = diverge(gr, repo)
    write(wt / "second.py", "s = 2\n")
    commit_all(wt, "second")
    old_main = head(repo)
    worktrees_before = [w.path for w in gr.list_worktrees()]
    result = gr.merge("squadron/t1", "main", "rebase")
    assert result.strategy is MergeStrategy.REBASE
    log = git(repo, "log", "--format=%s", f"{old_main}..main").split("\n")[:2]
    assert log == ["second", "feature"]
    assert git(repo, "rev-list", "--merges", f"{old_main}..main") == ""  # linear
    assert head(repo, "main~2") == old_main
    assert head(repo, "main") == result.commit
    # the task branch now holds the rebased commits, and its worktree follows cleanly
    assert head(wt) == result.commit
    assert (wt / "other.py").is_file()
    assert git(wt, "status", "--porcelain") == ""
    assert [w.path for w in gr.list_worktrees()] == worktrees_before  # the temporary one is gone
    assert not gr.has_unmerged_work("main", "squadron/t1", wt)


def test_rebase_of_a_branch_already_on_top_is_a_fast_forward(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    write(wt / "f.py", "f = 1\n")
    tip = commit_all(wt, "f")
    result = gr.merge("squadron/t1", "main", "rebase")
    assert result.commit == tip == head(repo, "main")


def test_merge_conflict_leaves_everything_unchanged(gr: GitRepo, repo: Path) -> None:
    wt = conflict(gr, repo)
    before = state(repo, wt)
    for strategy in MergeStrategy:
        with pytest.raises(MergeConflict) as err:
            gr.merge("squadron/t1", "main", strategy)
        assert err.value.conflicts == ["app.py"]
        assert str(err.value) == "merging 'squadron/t1' into 'main' would conflict in: app.py"
        assert state(repo, wt) == before


def test_rebase_conflict_in_an_intermediate_commit_is_aborted(gr: GitRepo, repo: Path) -> None:
    # The branch changes app.py and then changes it back: the 3-way merge is clean, but
    # replaying the first commit onto the new base conflicts.
    wt = make_task(gr, repo)
    write(wt / "app.py", "print('temporary')\n")
    commit_all(wt, "temporary")
    write(wt / "app.py", "print('hello')\n")
    write(wt / "kept.py", "k = 1\n")
    commit_all(wt, "revert and add")
    write(repo / "app.py", "print('base')\n")
    commit_all(repo, "base edit")
    assert gr.forecast_merge("main", "squadron/t1").clean
    before = state(repo, wt)
    with pytest.raises(MergeConflict) as err:
        gr.merge("squadron/t1", "main", "rebase")
    assert err.value.conflicts == ["app.py"]
    assert "rebasing 'squadron/t1' onto 'main'" in str(err.value)
    assert state(repo, wt) == before


def test_dirty_base_checkout_touching_merged_files_is_refused(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    write(wt / "app.py", "print('task')\n")
    write(wt / "b.py", "b = 1\n")
    commit_all(wt, "task")
    write(repo / "app.py", "print('local, uncommitted')\n")
    write(repo / "b.py", "untracked here, added by the task\n")
    before = state(repo, wt)
    for strategy in MergeStrategy:
        with pytest.raises(GitError) as err:
            gr.merge("squadron/t1", "main", strategy)
        assert str(err.value) == (
            f"base branch 'main' is checked out in {repo} with uncommitted changes to: "
            "app.py, b.py; commit or stash them first"
        )
        assert state(repo, wt) == before


def test_dirty_base_checkout_with_unrelated_changes_merges(gr: GitRepo, repo: Path) -> None:
    wt = diverge(gr, repo)
    write(repo / "README.md", "# local edit\n")
    write(repo / "notes.txt", "mine\n")
    result = gr.merge("squadron/t1", "main", "merge")
    assert head(repo) == result.commit
    assert (repo / "feature.py").is_file()
    assert (repo / "README.md").read_text(encoding="utf-8") == "# local edit\n"
    assert git(repo, "status", "--porcelain", "-uall") == " M README.md\n?? notes.txt\n"
    assert head(wt) != result.commit


def test_base_not_checked_out_is_moved_with_update_ref(gr: GitRepo, repo: Path) -> None:
    wt = diverge(gr, repo)
    git(repo, "checkout", "-q", "-b", "elsewhere")
    write(repo / "mine.txt", "user's own work\n")
    before_files = state(repo)
    old_main = head(repo, "main")
    result = gr.merge("squadron/t1", "main", "squash", "squashed")
    assert head(repo, "main") == result.commit
    assert parents(repo, result.commit) == [old_main]
    assert gr.current_branch() == "elsewhere"
    after = state(repo)
    for key in before_files:
        if key != "refs":
            assert after[key] == before_files[key]
    assert "squadron: squash squadron/t1" in git(repo, "reflog", "-1", "--format=%gs", "main")
    assert head(wt) != result.commit


def test_base_checked_out_in_a_linked_worktree_is_fast_forwarded(gr: GitRepo, repo: Path) -> None:
    feature = make_task(gr, repo, "t1", base="main")
    git(repo, "checkout", "-q", "-b", "user-branch")
    git(repo, "branch", "integration", "main")
    integ = repo.parent / "wt" / "integration"
    git(repo, "worktree", "add", "-q", str(integ), "integration")
    write(feature / "f.py", "f = 1\n")
    commit_all(feature, "f")
    result = gr.merge("squadron/t1", "integration", "merge")
    assert head(integ) == result.commit
    assert (integ / "f.py").is_file()
    assert gr.current_branch(integ) == "integration"


def test_nothing_to_merge(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    with pytest.raises(GitError, match=r"^nothing to merge: 'squadron/t1' has no changes"):
        gr.merge("squadron/t1", "main", "merge")
    write(wt / "x.txt", "x\n")
    commit_all(wt, "add")
    git(wt, "rm", "-q", "x.txt")
    git(wt, "commit", "-qm", "remove again")
    with pytest.raises(GitError, match=r"^nothing to merge"):
        gr.merge("squadron/t1", "main", "squash")


def test_merge_input_errors(gr: GitRepo, repo: Path) -> None:
    make_task(gr, repo)
    with pytest.raises(GitError, match=r"^base branch 'nope' does not exist$"):
        gr.merge("squadron/t1", "nope", "merge")
    with pytest.raises(GitError, match=r"^branch 'nope' does not exist$"):
        gr.merge("nope", "main", "merge")
    with pytest.raises(GitError, match=r"^unknown merge strategy 'octopus'"):
        gr.merge("squadron/t1", "main", "octopus")
    with pytest.raises(GitError, match="into itself"):
        gr.merge("main", "main", "merge")


# -- work at risk and saving it ------------------------------------------------------------------


def risky(gr: GitRepo, repo: Path) -> Path:
    """A task worktree with one commit, a staged, an unstaged, an untracked and ignored files."""
    wt = make_task(gr, repo)
    write(wt / ".gitignore", "*.log\n.env\nbuild/\n")
    write(wt / "feature.py", "feature = 1\n")
    commit_all(wt, "feature")
    write(wt / "staged.py", "s = 1\n")
    git(wt, "add", "staged.py")
    write(wt / "app.py", "print('unstaged')\n")
    write(wt / "new dir/untracked.txt", "u\n")
    write(wt / "debug.log", "x" * 300)
    write(wt / ".env", "SECRET=1\n")
    write(wt / "build/deep/out.bin", "b" * 1000)
    return wt


def test_work_at_risk_lists_commits_files_and_ignored_sizes(gr: GitRepo, repo: Path) -> None:
    wt = risky(gr, repo)
    before = state(repo, wt)
    risk = gr.work_at_risk(wt, ["refs/heads/squadron/t1"])
    assert state(repo, wt) == before
    assert risk.heads == (head(wt),)
    assert risk.commits == (head(wt),)
    assert sorted(risk.changed) == ["app.py", "staged.py"]
    assert [(p.path, p.size) for p in risk.untracked] == [("new dir/untracked.txt", 2)]
    assert sorted((p.path, p.size) for p in risk.ignored) == [
        (".env", 9),
        ("build/deep/out.bin", 1000),
        ("debug.log", 300),
    ]
    assert risk.describe() == (
        "3 uncommitted files, 3 ignored files (1.3 kB) and 1 commit on no other branch"
    )
    # the branch survives: its commit is not at risk, the files still are
    kept = gr.work_at_risk(wt)
    assert kept.commits == () and kept.uncommitted == 3 and not kept.empty


def test_work_at_risk_follows_a_renamed_branch(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    write(wt / "f.py", "f = 1\n")
    commit_all(wt, "f")
    git(wt, "branch", "-m", "squadron/t1", "renamed")
    write(wt / "wip.txt", "wip\n")
    risk = gr.work_at_risk(wt, ["refs/heads/squadron/t1"])
    assert risk.commits == ()  # the renamed branch survives and keeps them
    assert [p.path for p in risk.untracked] == ["wip.txt"]
    assert gr.work_at_risk(wt, ["refs/heads/renamed"]).commits == (head(wt),)


def test_work_at_risk_counts_commits_on_a_detached_head(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    git(wt, "checkout", "-q", "--detach")
    write(wt / "d.py", "d = 1\n")
    first = commit_all(wt, "d1")
    write(wt / "d.py", "d = 2\n")
    second = commit_all(wt, "d2")
    risk = gr.work_at_risk(wt, ["refs/heads/squadron/t1"])
    assert set(risk.commits) == {first, second}
    assert risk.describe() == "2 commits on no other branch"


def test_work_at_risk_of_a_branch_deleted_under_its_worktree(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    write(wt / "f.py", "f = 1\n")
    tip = commit_all(wt, "f")
    git(repo, "update-ref", "-d", "refs/heads/squadron/t1")  # HEAD now names no commit
    risk = gr.work_at_risk(wt, [])
    assert risk.heads == (tip,)  # found in the worktree's own HEAD reflog
    assert risk.commits == (tip,)
    write(wt / "wip.txt", "wip\n")
    saved = gr.save_work("refs/squadron/trash/t1", wt, restore_as="squadron/t1")
    assert parents(repo, saved.commit) == [tip]
    assert git(repo, "show", "refs/squadron/trash/t1:f.py") == "f = 1\n"
    assert git(repo, "show", "refs/squadron/trash/t1:wip.txt") == "wip\n"


def test_work_at_risk_without_a_worktree_looks_at_the_doomed_refs(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    write(wt / "f.py", "f = 1\n")
    tip = commit_all(wt, "f")
    gr.remove_worktree(wt)
    risk = gr.work_at_risk(wt, ["refs/heads/squadron/t1"])
    assert (risk.heads, risk.commits, risk.has_files) == ((tip,), (tip,), False)
    assert gr.work_at_risk(None, []).empty
    git(repo, "tag", "keep", tip)  # any other ref keeps them
    assert gr.work_at_risk(None, ["refs/heads/squadron/t1"]).commits == ()


def test_work_at_risk_reads_thousands_of_refs_through_stdin(
    gr: GitRepo, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wt = make_task(gr, repo)
    write(wt / "f.py", "f = 1\n")
    tip = commit_all(wt, "f")
    base = head(repo)
    lines = "".join(f"create refs/tags/many/{i} {base}\n" for i in range(3000))
    subprocess.run(["git", "update-ref", "--stdin"], cwd=repo, input=lines, text=True, check=True)
    git(repo, "update-ref", "refs/keep/it", tip)
    calls: list[list[str]] = []
    real = git_adapter._GIT

    class Spy:
        def execute(self, argv: list[str], **kw: object) -> object:
            calls.append(argv)
            return real.execute(argv, **kw)  # type: ignore[call-overload]

    monkeypatch.setattr(git_adapter, "_GIT", Spy())
    assert gr.work_at_risk(wt, ["refs/heads/squadron/t1"]).commits == ()
    assert max(len(argv) for argv in calls) < 20  # refs went through stdin, not argv


def test_save_work_keeps_everything_and_touches_nothing(gr: GitRepo, repo: Path) -> None:
    wt = risky(gr, repo)
    tip = head(wt)
    before = state(repo, wt)
    saved = gr.save_work("refs/squadron/trash/t1", wt, restore_as="squadron/t1")
    assert state(repo, wt) == {**before, "refs": state(repo)["refs"]}  # only the new ref
    assert saved.ref == "refs/squadron/trash/t1"
    assert head(repo, saved.ref) == saved.commit
    assert parents(repo, saved.commit) == [tip]
    names = set(git(repo, "ls-tree", "-r", "--name-only", saved.commit).splitlines())
    assert {"feature.py", "staged.py", "app.py", "new dir/untracked.txt"} <= names
    assert {"debug.log", ".env", "build/deep/out.bin"} <= names
    assert git(repo, "show", f"{saved.ref}:app.py") == "print('unstaged')\n"
    assert git(repo, "show", f"{saved.ref}:.env") == "SECRET=1\n"
    assert saved.skipped == ()
    assert saved.restore == ("git branch squadron/t1 refs/squadron/trash/t1",)
    assert gr.work_at_risk(wt, ["refs/heads/squadron/t1"]).commits == ()
    # an identical second save changes nothing; a different one keeps the first too
    assert gr.save_work(saved.ref, wt, restore_as="x").commit == saved.commit
    write(wt / "later.txt", "later\n")
    again = gr.save_work(saved.ref, wt, restore_as="squadron/t1")
    assert parents(repo, again.commit) == [tip, saved.commit]
    assert again.restore[1] == "git branch squadron/t1-2 refs/squadron/trash/t1^2"


def test_save_work_bounds_ignored_files_and_lists_the_rest(gr: GitRepo, repo: Path) -> None:
    wt = risky(gr, repo)
    saved = gr.save_work("refs/squadron/trash/t1", wt, restore_as="r", ignored_limit=400)
    names = set(git(repo, "ls-tree", "-r", "--name-only", saved.commit).splitlines())
    assert {".env", "debug.log"} <= names  # 9 + 300 bytes fit, smallest first
    assert "build/deep/out.bin" not in names
    assert [(p.path, p.size) for p in saved.skipped] == [("build/deep/out.bin", 1000)]
    assert sorted(p.path for p in saved.ignored) == [".env", "debug.log"]
    assert (wt / "build/deep/out.bin").read_text() == "b" * 1000  # listed, not touched


def test_save_work_keeps_a_doomed_branch_the_head_does_not_reach(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    write(wt / "on_branch.py", "b = 1\n")
    branch_tip = commit_all(wt, "on the branch")
    git(wt, "checkout", "-q", "--detach", "HEAD~1")
    write(wt / "detached.py", "d = 1\n")
    detached = commit_all(wt, "detached")
    risk = gr.work_at_risk(wt, ["refs/heads/squadron/t1"])
    assert set(risk.commits) == {branch_tip, detached}
    saved = gr.save_work(
        "refs/squadron/trash/t1", wt, ["refs/heads/squadron/t1"], restore_as="squadron/t1"
    )
    assert parents(repo, saved.commit) == [detached, branch_tip]  # both lines kept
    assert gr.same_tree(saved.commit, detached)  # the worktree as it is
    assert saved.restore == (
        "git branch squadron/t1 refs/squadron/trash/t1",
        "git branch squadron/t1-2 refs/squadron/trash/t1^2",
    )
    git(repo, "branch", "-D", "squadron/t1")
    assert gr.work_at_risk(wt, []).commits == ()


def test_save_work_without_a_worktree_keeps_the_branch_tip(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    write(wt / "f.py", "f = 1\n")
    tip = commit_all(wt, "f")
    gr.remove_worktree(wt)
    saved = gr.save_work("refs/squadron/trash/t1", None, ["squadron/t1"], restore_as="b")
    assert saved.commit == tip == head(repo, "refs/squadron/trash/t1")
    with pytest.raises(GitError, match="nothing to save"):
        gr.save_work("refs/squadron/trash/t2", None, restore_as="b")
    with pytest.raises(GitError, match="not a full ref name"):
        gr.save_work("trash/t1", None, ["squadron/t1"], restore_as="b")


def test_worktree_of_another_repository_is_refused(gr: GitRepo, repo: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q")
    with pytest.raises(GitError, match="is not a worktree of"):
        gr.work_at_risk(other)
    with pytest.raises(GitError, match="is not a worktree of"):
        gr.save_work("refs/squadron/trash/x", other, restore_as="x")


def test_contains_work_after_merge_squash_and_never(gr: GitRepo, repo: Path) -> None:
    wt = make_task(gr, repo)
    start = head(wt)
    assert gr.contains_work("main", start)
    write(wt / "f.py", "f = 1\n")
    tip = commit_all(wt, "f")
    assert not gr.contains_work("main", tip)
    gr.merge("squadron/t1", "main", "squash")
    assert gr.contains_work("main", tip)  # squashed: not an ancestor, but nothing to add
    assert gr.branch_origin("squadron/t1") == start
    assert gr.branch_origin("no-such-branch") is None
    assert gr.same_tree(tip, "main") and not gr.same_tree(start, tip)


def test_delete_branch_only_where_it_was_expected(gr: GitRepo, repo: Path) -> None:
    git(repo, "branch", "gone-soon")
    with pytest.raises(GitError, match="moved; it was not deleted"):
        gr.delete_branch("gone-soon", expected="0" * 40)
    gr.delete_branch("gone-soon", expected=head(repo))
    assert not gr.branch_exists("gone-soon")


# -- planning and landing a merge ----------------------------------------------------------------


def test_plan_merge_moves_nothing_until_it_lands(gr: GitRepo, repo: Path) -> None:
    wt = diverge(gr, repo)
    write(wt / "pending.py", "p = 1\n")
    snap = gr.snapshot(wt, message="the title")
    before = state(repo, wt)
    for strategy in MergeStrategy:
        plan = gr.plan_merge(snap.commit, "main", strategy, branch="squadron/t1")
        assert state(repo, wt) == before
        assert plan.old == head(repo) and plan.tip == snap.commit
    assert (plan.rebased is not None) and plan.new == plan.rebased
    assert gr.commit_snapshot(wt, snap)
    result = gr.land(plan)
    gr.follow_rebase(plan)
    assert head(repo, "main") == result.commit == head(wt)
    assert git(repo, "log", "-1", "--format=%s", "main").strip() == "the title"
    assert git(wt, "status", "--porcelain") == ""


def test_land_refuses_when_the_base_moved_since_the_plan(gr: GitRepo, repo: Path) -> None:
    diverge(gr, repo)
    plan = gr.plan_merge(head(repo, "squadron/t1"), "main", "merge", branch="squadron/t1")
    write(repo / "more.py", "m = 1\n")
    moved = commit_all(repo, "base moves again")
    with pytest.raises(GitError, match="base branch 'main' moved while merging; try again"):
        gr.land(plan)
    assert head(repo, "main") == moved


def test_plan_merge_of_work_already_in_base_is_nothing_to_merge(gr: GitRepo, repo: Path) -> None:
    wt = diverge(gr, repo)
    gr.merge("squadron/t1", "main", "squash")
    with pytest.raises(NothingToMerge):
        gr.plan_merge(head(wt), "main", "merge", branch="squadron/t1")


def test_a_rebase_worktree_left_by_a_killed_process_is_pruned(gr: GitRepo, repo: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    leftover = Path(tempfile.mkdtemp(prefix=f"{REBASE_PREFIX}{dead.pid}-")) / "wt"
    git(repo, "worktree", "add", "-q", "--detach", str(leftover))
    live = Path(tempfile.mkdtemp(prefix=f"{REBASE_PREFIX}{os.getpid()}-")) / "wt"
    git(repo, "worktree", "add", "-q", "--detach", str(live))
    try:
        assert gr.prune_rebase_leftovers() == [leftover]
        assert not leftover.parent.exists()
        assert [w.path for w in gr.list_worktrees()] == [repo, live]
    finally:
        git(repo, "worktree", "remove", "--force", str(live))
        shutil.rmtree(live.parent, ignore_errors=True)
