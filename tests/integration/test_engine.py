"""The engine end to end: real git repositories, a real private tmux server, the fake agent."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from squadron.core.errors import SquadronError, UsageError
from squadron.core.status import Status
from squadron.core.task import Mode, Stage
from squadron.engine import supervision
from squadron.engine.engine import Engine
from tests.conftest import git, wait_until
from tests.integration.helpers import delivered, recorded, write_user_config


@pytest.fixture
def engine(repo: Path) -> Engine:
    write_user_config()
    return Engine.open(repo)


def new_fake(engine: Engine, title: str = "Fake work", prompt: str = "", **kw: str) -> str:
    task = engine.new_task(title, prompt=prompt, agent="fake", **kw)
    if prompt:
        delivered(engine, task.id)
    return task.id


def screen(engine: Engine, tid: str) -> str:
    snap = engine.snapshot(engine.get(tid))
    return snap.screen if snap else ""


def at_prompt(engine: Engine, tid: str) -> bool:
    lines = [line.strip() for line in screen(engine, tid).splitlines() if line.strip()]
    return bool(lines) and lines[-1] == ">"


def test_new_shell_task_runs_prompt_in_its_own_worktree(engine: Engine, repo: Path) -> None:
    task = engine.new_task("Add a health endpoint", prompt="echo ok > health.txt", agent="shell")
    assert task.id == "t1"
    assert task.branch == "squadron/add-a-health-endpoint"
    worktree = Path(task.worktree)
    assert worktree.is_dir() and not worktree.is_relative_to(repo)
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    delivered(engine, task.id)
    wait_until(lambda: (worktree / "health.txt").exists(), message="health.txt")
    assert (worktree / "health.txt").read_text().strip() == "ok"
    assert git(worktree, "rev-parse", "--abbrev-ref", "HEAD").strip() == task.branch
    # the session lives on squadron's private server, not the default one
    socket = os.environ["SQUADRON_TMUX_SOCKET"]
    out = subprocess.run(
        ["tmux", "-L", socket, "list-sessions", "-F", "#{session_name}"],
        capture_output=True,
        text=True,
    ).stdout
    assert task.session in out.split()


def test_hostile_title_and_prompt_arrive_literally(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "received.jsonl"
    monkeypatch.setenv("FAKE_AGENT_LOG", str(log))
    hostile = "-rf \"quoted\" 'single' $(touch pwned) `id`; rm -rf / ; ünïcødé ☃ \\n end"
    tid = new_fake(engine, title=hostile, prompt=hostile)
    wait_until(lambda: log.exists() and log.read_text().strip(), message="agent log")
    assert json.loads(log.read_text().splitlines()[0]) == hostile
    task = engine.get(tid)
    assert task.title == hostile
    assert task.branch.startswith("squadron/rf-quoted-single-touch-pwned")
    assert not (Path(task.worktree) / "pwned").exists()
    assert not Path("pwned").exists()


def test_multiline_and_large_prompts_arrive_whole(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "received.jsonl"
    monkeypatch.setenv("FAKE_AGENT_LOG", str(log))
    multiline = "first line\nsecond line; $(x)\n\tthird"
    new_fake(engine, prompt=multiline)
    wait_until(lambda: log.exists() and log.read_text().strip(), message="first prompt")
    assert json.loads(log.read_text().splitlines()[0]) == multiline
    big = ("0123456789abcdef" * 6400)[:100_000]
    tid = new_fake(engine, title="big", prompt=big)
    wait_until(lambda: len(log.read_text().splitlines()) >= 2, timeout=30, message="big")
    assert json.loads(log.read_text().splitlines()[1]) == big
    assert delivered(engine, tid).prompt_delivered


def test_send_types_instruction_and_conductor_mode_blocks_it(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "received.jsonl"
    monkeypatch.setenv("FAKE_AGENT_LOG", str(log))
    tid = new_fake(engine)
    wait_until(lambda: at_prompt(engine, tid), message="agent prompt")
    engine.send(tid, "write notes.txt hello")
    worktree = Path(engine.get(tid).worktree)
    wait_until(lambda: (worktree / "notes.txt").exists(), message="notes.txt")
    argv = engine.attach_argv(tid)
    assert argv[0].endswith("tmux") and "attach-session" in argv
    assert engine.get(tid).mode == Mode.CONDUCTOR
    with pytest.raises(SquadronError, match="conductor mode"):
        engine.send(tid, "write other.txt x")
    engine.set_mode(tid, Mode.UNATTENDED, note="write back.txt after handback")
    wait_until(lambda: (worktree / "back.txt").exists(), message="hand-back note")
    kinds = [h.kind for h in engine.get(tid).history]
    assert kinds.count("mode") == 2


def test_diff_shows_untracked_without_touching_agent_index(engine: Engine) -> None:
    tid = new_fake(engine, prompt="write new_file.py x = 1;; append app.py print('more')")
    worktree = Path(engine.get(tid).worktree)
    wait_until(
        lambda: (worktree / "new_file.py").exists() and "more" in (worktree / "app.py").read_text(),
        message="edits",
    )
    index = Path(git(worktree, "rev-parse", "--git-path", "index").strip())
    index = index if index.is_absolute() else worktree / index
    before = (index.read_bytes(), git(worktree, "status", "--porcelain"))
    diff = engine.diff(tid)
    assert "new_file.py" in diff and "+x = 1" in diff and "+print('more')" in diff
    stat = engine.diff(tid, stat=True)
    assert "new_file.py" in stat and "app.py" in stat
    assert (index.read_bytes(), git(worktree, "status", "--porcelain")) == before
    assert engine.stats(engine.get(tid)) == (2, 0)


def test_merge_commits_pending_work_and_marks_merged(engine: Engine, repo: Path) -> None:
    tid = new_fake(engine, title="Merge me", prompt="write feature.txt done")
    worktree = Path(engine.get(tid).worktree)
    wait_until(lambda: (worktree / "feature.txt").exists(), message="edit")
    assert engine.forecast(tid) == []
    commit = engine.merge(tid, strategy="squash")
    assert git(repo, "rev-parse", "main").strip() == commit
    assert (repo / "feature.txt").read_text() == "done\n"
    assert engine.get(tid).stage == Stage.MERGED
    assert git(worktree, "status", "--porcelain").strip() == ""
    with pytest.raises(SquadronError, match="already merged"):
        engine.merge(tid)


def test_merge_conflict_lists_files_and_changes_nothing(engine: Engine, repo: Path) -> None:
    tid = new_fake(engine, prompt="write app.py print('task')")
    worktree = Path(engine.get(tid).worktree)
    wait_until(lambda: "task" in (worktree / "app.py").read_text(), message="edit")
    (repo / "app.py").write_text("print('base')\n")
    git(repo, "commit", "-qam", "base change")
    head = git(repo, "rev-parse", "main")
    assert engine.forecast(tid) == ["app.py"]
    with pytest.raises(SquadronError, match=r"conflict in: app\.py"):
        engine.merge(tid)
    assert git(repo, "rev-parse", "main") == head
    assert git(repo, "status", "--porcelain").strip() == ""
    assert engine.get(tid).stage == Stage.RUNNING


def test_archive_keeps_branch_and_commits_pending_work(engine: Engine, repo: Path) -> None:
    tid = new_fake(engine, prompt="write wip.txt unfinished")
    task = engine.get(tid)
    wait_until(lambda: (Path(task.worktree) / "wip.txt").exists(), message="edit")
    note = engine.archive(tid)
    assert "committed" in note
    assert not Path(task.worktree).exists()
    assert not engine.tmux.has_session(task.session)
    assert engine.get(tid).stage == Stage.ARCHIVED
    assert git(repo, "show", f"{task.branch}:wip.txt") == "unfinished\n"


def test_rm_refuses_unmerged_work_then_force_keeps_a_ref(engine: Engine, repo: Path) -> None:
    tid = new_fake(engine, prompt="write keep.txt precious")
    task = engine.get(tid)
    wait_until(lambda: (Path(task.worktree) / "keep.txt").exists(), message="edit")
    with pytest.raises(SquadronError, match="not merged"):
        engine.remove(tid)
    assert Path(task.worktree).exists()
    saved = engine.remove(tid, force=True)
    assert "refs/squadron/trash/t1" in saved
    assert git(repo, "show", "refs/squadron/trash/t1:keep.txt") == "precious\n"
    assert not Path(task.worktree).exists()
    assert not engine.repo.branch_exists(task.branch)
    with pytest.raises(UsageError, match="unknown task"):
        engine.get(tid)


def test_rm_without_work_needs_no_force(engine: Engine) -> None:
    tid = new_fake(engine)
    engine.remove(tid)
    assert engine.tasks() == []


def test_a_new_supervisor_readopts_tasks_and_sees_lost_and_exited(
    engine: Engine, repo: Path
) -> None:
    alive = new_fake(engine, title="alive")
    ended = new_fake(engine, title="ended", prompt="exit 3")
    lost = new_fake(engine, title="lost")
    recorded(engine, alive, Status.IDLE)
    supervision.stop(engine)  # squadron is gone; the agents keep running
    engine.tmux.kill_session(engine.get(lost).session)
    fresh = Engine.open(repo)  # a new squadron process would do exactly this
    fresh.supervise()
    assert recorded(fresh, ended, Status.EXITED).exit_code == 3
    recorded(fresh, lost, Status.LOST)
    assert fresh.get(alive).status == Status.IDLE


def test_missing_agent_command_shows_exited_with_message(engine: Engine) -> None:
    task = engine.new_task("nope", agent="shell", command="no-such-agent-xyz --flag")
    assert "no-such-agent-xyz" in recorded(engine, task.id, Status.EXITED).last_screen


def test_bad_inputs_are_one_line_errors(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="base branch 'nope' does not exist"):
        engine.new_task("x", agent="fake", base="nope")
    with pytest.raises(UsageError, match="unknown agent 'nobody'"):
        engine.new_task("x", agent="nobody")
    with pytest.raises(UsageError, match="unknown task 't99'"):
        engine.get("t99")
    with pytest.raises(UsageError, match="not a git repository"):
        Engine.open(tmp_path)
    with pytest.raises(UsageError, match="title"):
        engine.new_task("   ", agent="fake")


def test_corrupt_state_file_is_moved_aside_and_reported(engine: Engine) -> None:
    tid = new_fake(engine)
    path = engine.store.path_of(tid)
    path.write_text("{ not json", encoding="utf-8")
    assert engine.tasks() == []
    assert any("corrupt" in p and tid in p for p in engine.problems)
    assert list(path.parent.glob(f"{tid}.json.corrupt-*"))
    assert not path.exists()


def test_command_is_matched_to_its_agent_preset(engine: Engine, tmp_path: Path) -> None:
    fake_claude = tmp_path / "bin" / "claude"
    fake_claude.parent.mkdir()
    fake_claude.write_text("#!/bin/sh\nexec sleep 30\n")
    fake_claude.chmod(0o755)
    task = engine.new_task("matched", command=f"{fake_claude} --model opus --verbose")
    assert task.agent == "claude"  # absolute path and flags do not break matching
    assert task.command[:4] == [str(fake_claude), "--model", "opus", "--verbose"]
    assert "--settings" in task.command  # claude's per-task hooks come with its preset
    plain = engine.new_task("plain", command="sleep 30")
    assert plain.agent == "shell"


def test_a_changed_detach_key_reaches_a_running_server(engine: Engine, repo: Path) -> None:
    new_fake(engine)  # the private server is running
    write_user_config('detach_key = "C-g"\n')
    fresh = Engine.open(repo)
    socket = os.environ["SQUADRON_TMUX_SOCKET"]
    keys = subprocess.run(
        ["tmux", "-L", socket, "list-keys", "-T", "root"], capture_output=True, text=True
    ).stdout
    assert "C-g" in keys and "detach-client" in keys
    assert fresh.settings.detach_key == "C-g"
