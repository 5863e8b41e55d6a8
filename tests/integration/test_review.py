"""Review rounds, checks as a merge gate, pushes and PRs, and the timeline figures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from squadron.core.errors import SquadronError, UsageError
from squadron.core.task import Stage
from squadron.engine.engine import Engine
from tests.conftest import git, wait_until
from tests.integration.helpers import delivered, squadron, write_user_config

CHECK = 'check = "grep -q fixed status.txt"\n'


@pytest.fixture
def engine(repo: Path) -> Engine:
    write_user_config(CHECK)
    return Engine.open(repo)


def started(engine: Engine, prompt: str, tmp: Path | None = None) -> tuple[str, Path]:
    task = engine.new_task("Review me", prompt=prompt, agent="fake")
    delivered(engine, task.id)
    return task.id, Path(task.worktree)


def test_review_round_with_stale_comment_and_since_last_scope(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("FAKE_AGENT_LOG", str(log))
    tid, wt = started(engine, "write a.py alpha = 1;; write b.py beta = 2")
    wait_until(lambda: (wt / "b.py").exists(), message="edits")
    first = engine.add_comment(tid, "a.py", "rename alpha to first", line=1)
    second = engine.add_comment(tid, "b.py", "beta needs a docstring", line=1)
    whole = engine.add_comment(tid, "app.py", "unrelated file, whole-file note")
    assert (first.quote, second.quote, whole.quote) == ("alpha = 1", "beta = 2", "")
    assert engine.stale_comments(tid) == set()
    engine.send(tid, "write b.py beta = 3")  # the agent changes commented code
    wait_until(lambda: (wt / "b.py").read_text() == "beta = 3\n", message="change")
    assert engine.stale_comments(tid) == {second.id}
    engine.edit_comment(tid, whole.id, "never mind the whole file")
    engine.remove_comment(tid, whole.id)
    review = engine.send_review(tid, summary="Nice start.")
    assert (review.number, review.comments) == (1, 2)
    wait_until(lambda: len(log.read_text().splitlines()) == 3, message="review received")
    sent = json.loads(log.read_text().splitlines()[-1])
    assert "round 1" in sent and "Nice start." in sent
    assert "a.py:1" in sent and "> alpha = 1" in sent and "rename alpha to first" in sent
    assert "b.py:1 (the code changed since this comment)" in sent
    task = engine.get(tid)
    assert task.comments == [] and len(task.rounds) == 1
    assert git(engine.repo.toplevel, "rev-parse", "refs/squadron/review/t1/1").strip()
    engine.send(tid, "write c.py gamma = 3")
    wait_until(lambda: (wt / "c.py").exists(), message="later edit")
    since = engine.diff(tid, since_review=True)
    assert "c.py" in since and "a.py" not in since and "b.py" not in since
    assert "a.py" in engine.diff(tid)


def test_bad_comments_are_one_line_errors(engine: Engine) -> None:
    tid, wt = started(engine, "write a.py x = 1")
    wait_until(lambda: (wt / "a.py").exists(), message="edit")
    with pytest.raises(UsageError, match=r"no file 'nope\.py'"):
        engine.add_comment(tid, "nope.py", "x")
    with pytest.raises(UsageError, match="only 1 lines"):
        engine.add_comment(tid, "a.py", "x", line=9)
    with pytest.raises(UsageError, match="no file"):
        engine.add_comment(tid, "../../etc/passwd", "outside the worktree")
    with pytest.raises(UsageError, match="no pending comments"):
        engine.send_review(tid)


def test_check_gates_merge_until_it_passes_or_is_overridden(engine: Engine, repo: Path) -> None:
    tid, wt = started(engine, "write status.txt broken")
    wait_until(lambda: (wt / "status.txt").exists(), message="edit")
    with pytest.raises(SquadronError, match="has not been run"):
        engine.merge(tid)
    result = engine.run_check(tid)
    assert not result.ok and result.exit_code == 1
    assert engine.check_state(engine.get(tid), engine.revision(engine.get(tid))) == "fail"
    with pytest.raises(SquadronError, match="failed"):
        engine.merge(tid)
    engine.send_check_failure(tid)
    engine.send(tid, "write status.txt fixed")
    wait_until(lambda: (wt / "status.txt").read_text() == "fixed\n", message="fix")
    with pytest.raises(SquadronError, match="ran on older code"):
        engine.merge(tid)
    assert engine.run_check(tid).ok
    engine.merge(tid, strategy="squash")
    assert (repo / "status.txt").read_text() == "fixed\n"
    assert not [h for h in engine.get(tid).history if h.kind == "override"]


def test_failing_check_override_is_recorded(engine: Engine, repo: Path) -> None:
    tid, wt = started(engine, "write status.txt broken")
    wait_until(lambda: (wt / "status.txt").exists(), message="edit")
    engine.run_check(tid)
    engine.merge(tid, override_check=True)
    overrides = [h.detail for h in engine.get(tid).history if h.kind == "override"]
    assert overrides == ["merged with the check fail (user override)"]
    assert engine.get(tid).stage == Stage.MERGED


def test_push_to_a_local_bare_remote_and_pr_needs_gh(
    engine: Engine, repo: Path, tmp_path: Path
) -> None:
    tid, wt = started(engine, "write pushed.txt yes")
    wait_until(lambda: (wt / "pushed.txt").exists(), message="edit")
    with pytest.raises(SquadronError, match="no remote"):
        engine.push(tid)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    assert engine.push(tid) == "origin"
    branch = engine.get(tid).branch
    assert git(remote, "show", f"{branch}:pushed.txt") == "yes\n"
    if shutil.which("gh") is None:
        with pytest.raises(SquadronError, match="install the GitHub CLI"):
            engine.open_pr(tid)


def test_cli_review_check_stats(repo: Path, tmp_path: Path) -> None:
    write_user_config(CHECK)
    log = tmp_path / "log.jsonl"
    env = {"FAKE_AGENT_LOG": str(log)}
    tid = squadron(
        "new",
        "CLI review",
        "--agent",
        "fake",
        "--prompt",
        "write status.txt broken;; write notes.md hello",
        cwd=repo,
        env=env,
    ).stdout.strip()
    wt = Path(json.loads(squadron("ls", "--json", cwd=repo).stdout)[0]["worktree"])
    wait_until(lambda: (wt / "notes.md").exists(), message="edits")
    comments = tmp_path / "comments.txt"
    comments.write_text("# review\nnotes.md:1: say more than hello\nstatus.txt: broken?\n")
    added = squadron(
        "review",
        tid,
        "--comments-file",
        str(comments),
        "--comment",
        "notes.md:1-1",
        "and a title",
        cwd=repo,
    )
    assert added.returncode == 0, added.stderr
    listing = squadron("review", tid, cwd=repo).stdout
    assert listing.splitlines() == [
        "1. notes.md:1: and a title",
        "2. notes.md:1: say more than hello",
        "3. status.txt: broken?",
    ]
    failed = squadron("check", tid, "--send-failure", cwd=repo, env=env)
    assert failed.returncode == 1 and "check failed" in failed.stdout
    assert "sent the failure" in failed.stdout
    blocked = squadron("merge", tid, cwd=repo)
    assert blocked.returncode == 1 and "--override-check" in blocked.stderr
    sent = squadron("review", tid, "--send", cwd=repo, env=env)
    assert sent.returncode == 0 and "round 1" in sent.stdout
    squadron("send", tid, "write status.txt fixed", cwd=repo, env=env)
    wait_until(lambda: (wt / "status.txt").read_text() == "fixed\n", message="fix")
    assert squadron("check", tid, cwd=repo).returncode == 0
    assert squadron("merge", tid, cwd=repo).returncode == 0
    stats = json.loads(squadron("stats", "--json", cwd=repo).stdout)
    row = stats["tasks"][0]
    assert row["rounds"] == 1 and row["merged"] is True
    assert stats["summary"]["merged"] == 1
    table = squadron("stats", cwd=repo).stdout
    assert "rounds per task 1.0" in table
    bad = squadron("review", tid, "--comment", "notes.md:x-", "y", cwd=repo)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_criteria_ticks_persist_and_deleted_files_take_file_comments(engine: Engine) -> None:
    tid, wt = started(engine, "write gone.txt x")
    wait_until(lambda: (wt / "gone.txt").exists(), message="edit")
    engine.set_criteria(tid, [2, 0, 2])
    assert engine.get(tid).criteria_ticked == [0, 2]
    (wt / "README.md").unlink()  # the task deletes a file that base has
    comment = engine.add_comment(tid, "README.md", "why delete the readme?")
    assert comment.line is None and comment.quote == ""
    assert engine.stale_comments(tid) == set()
    with pytest.raises(UsageError, match="no file"):
        engine.add_comment(tid, "README.md", "a line of a deleted file", line=1)
