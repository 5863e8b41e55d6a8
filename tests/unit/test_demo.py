"""``squadron demo``'s pieces: the sample repository and the scripted demo agent in real tmux."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from squadron.adapters.config import load_settings
from squadron.demo.agent import SPINNER
from squadron.demo.sample import (
    DEMO_TASKS,
    GIT_EMAIL,
    SCENARIOS,
    apply_edit,
    build_sample_repo,
    demo_config_toml,
    scenario_for,
)
from tests.conftest import git, wait_until

CONFIG = tomllib.loads(demo_config_toml())
PRESET = CONFIG["agents"]["demo"]


def sample_tests_pass(repo: Path) -> bool:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    return result.returncode == 0


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return build_sample_repo(tmp_path)


# -- the sample repository --------------------------------------------------------------------


def test_sample_repo_is_a_small_real_project_with_three_commits_on_main(sample: Path) -> None:
    assert git(sample, "rev-list", "--count", "HEAD").strip() == "3"
    assert git(sample, "branch", "--show-current").strip() == "main"
    assert git(sample, "status", "--porcelain") == ""
    assert git(sample, "config", "user.email").strip() == GIT_EMAIL
    files = set(git(sample, "ls-files").split())
    assert {"README.md", "wordstats/counts.py", "wordstats/cli.py", "tests/test_counts.py"} <= files
    assert len([f for f in files if f.startswith("wordstats/")]) == 4
    assert sample_tests_pass(sample)
    assert git(sample, "status", "--porcelain") == ""  # running the tests leaves nothing behind


def test_sample_repo_needs_no_global_git_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))  # ignored, never followed
    repo = build_sample_repo(tmp_path)
    monkeypatch.delenv("GIT_DIR")
    assert git(repo, "log", "-1", "--format=%ae").strip() == GIT_EMAIL


def test_building_twice_in_one_place_is_refused(sample: Path) -> None:
    with pytest.raises(FileExistsError):
        build_sample_repo(sample.parent)


def test_demo_config_defines_the_demo_preset_as_default(sample: Path) -> None:
    assert set(CONFIG) == {"default_agent", "agents"}
    assert set(PRESET) == {"command", "programs", "ready", "working", "waiting", "approve_keys"}
    (sample / ".squadron.toml").write_text(demo_config_toml(), encoding="utf-8")
    settings = load_settings(sample, user_path=sample / "no-user-config.toml")
    assert settings.default_agent == "demo"
    preset = settings.preset("demo")
    assert preset.command == (sys.executable, "-m", "squadron.demo.agent")
    assert preset.approve_keys == ("y",)


# -- the scenarios -----------------------------------------------------------------------------


def test_each_demo_task_plays_its_own_scenario() -> None:
    names = [scenario_for(prompt).name for _, prompt in DEMO_TASKS]
    assert names == ["feature", "bugfix", "docs"]
    assert scenario_for("Anything else at all").name == "notes"
    assert scenario_for("Anything else", forced="docs").name == "docs"


def test_the_three_scenarios_edit_real_code_and_merge_without_conflicts(sample: Path) -> None:
    for name in SCENARIOS:
        git(sample, "switch", "-q", "-c", name, "main")
        changes = [apply_edit(sample, edit) for edit in SCENARIOS[name].edits]
        assert all(change is not None for change in changes), name
        assert sample_tests_pass(sample), name
        git(sample, "add", "-A")
        git(sample, "commit", "-qm", name)
        assert [apply_edit(sample, edit) for edit in SCENARIOS[name].edits] == [None, None]
    git(sample, "switch", "-q", "main")
    for name in SCENARIOS:
        git(sample, "merge", "-q", "--no-edit", name)
    assert "average_word_length" in (sample / "wordstats/counts.py").read_text(encoding="utf-8")
    assert "## Usage" in (sample / "README.md").read_text(encoding="utf-8")
    assert sample_tests_pass(sample)


def test_an_unknown_instruction_is_noted_once(sample: Path) -> None:
    scenario = scenario_for("Rename   the\nproject, please")
    assert apply_edit(sample, scenario.edits[0]) == (1, 0)
    assert apply_edit(sample, scenario.edits[0]) is None
    notes = (sample / "NOTES.md").read_text(encoding="utf-8")
    assert notes == "- Rename the project, please\n"


# -- the demo agent in a real terminal ---------------------------------------------------------


def tmux(*args: str) -> str:
    argv = ["tmux", "-L", os.environ["SQUADRON_TMUX_SOCKET"], "-f", "/dev/null", *args]
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", "demo")


def title() -> str:
    return tmux("display-message", "-p", "-t", "demo", "#{pane_title}").strip()


def shows(patterns: list[str]) -> bool:
    return any(re.search(p, screen(), re.MULTILINE) for p in patterns)


def ready() -> bool:
    return shows(PRESET["ready"])


def start_agent(repo: Path) -> None:
    # sh reports the agent's exit status on screen (tmux's #{pane_dead_status} can lag behind)
    report = '"$@"; echo "demo agent exited with $?"; sleep 60'
    tmux(
        "new-session", "-d", "-s", "demo", "-x", "100", "-y", "40", "-c", str(repo),
        "--", "sh", "-c", report, "sh", sys.executable, "-m", "squadron.demo.agent",
    )  # fmt: skip
    wait_until(lambda: ready() and title() == "✳ demo", message="the demo agent's prompt")


@pytest.mark.usefixtures("tmux_available")
def test_demo_agent_plays_a_task_in_a_real_terminal(sample: Path) -> None:
    start_agent(sample)
    assert "─" * 40 in screen()
    _, prompt = DEMO_TASKS[0]
    tmux("send-keys", "-t", "demo", "-l", prompt)
    tmux("send-keys", "-t", "demo", "Enter")
    wait_until(lambda: shows(PRESET["working"]), message="the spinner")
    assert "● Reading wordstats/counts.py" in screen()
    wait_until(lambda: title()[:1] in SPINNER, message="a spinner title")
    assert not ready()
    wait_until(lambda: shows(PRESET["waiting"]), message="the y/n question")
    assert "Allow edit to wordstats/counts.py? (y/n)" in screen()
    assert title() == "! demo"
    assert not shows(PRESET["working"])
    tmux("send-keys", "-t", "demo", "-l", "y")
    wait_until(lambda: ready() and "✻" in screen(), message="the prompt after the turn")
    assert title() == "✳ demo"
    assert not shows(PRESET["working"]) and not shows(PRESET["waiting"])
    assert "● Edited wordstats/counts.py (+8 -0)" in screen()
    status = set(git(sample, "status", "--porcelain").splitlines())
    assert status == {"?? tests/test_average.py", " M wordstats/counts.py"}
    assert sample_tests_pass(sample)


@pytest.mark.usefixtures("tmux_available")
def test_demo_agent_paste_no_escape_and_ctrl_c(sample: Path, tmp_path: Path) -> None:
    start_agent(sample)
    pasted = tmp_path / "paste.txt"
    pasted.write_text("Please fix the top_n\nordering bug", encoding="utf-8")
    tmux("load-buffer", "-b", "p", str(pasted))
    tmux("paste-buffer", "-p", "-d", "-b", "p", "-t", "demo")
    wait_until(lambda: "fix the top_n" in screen(), message="the pasted text")
    time.sleep(0.3)
    assert not shows(PRESET["working"]), "a pasted newline submitted the instruction"
    assert "❯ Please fix the top_n↵ordering bug" in screen()
    tmux("send-keys", "-t", "demo", "Enter")
    wait_until(lambda: shows(PRESET["waiting"]), message="the y/n question")
    tmux("send-keys", "-t", "demo", "-l", "n")
    wait_until(lambda: ready() and "✻" in screen(), message="the prompt after the turn")
    assert "Skipped wordstats/counts.py: you said no" in screen()
    assert git(sample, "status", "--porcelain").splitlines() == [" M tests/test_counts.py"]

    tmux("send-keys", "-t", "demo", "-l", "Document the command line")
    tmux("send-keys", "-t", "demo", "Enter")
    wait_until(lambda: shows(PRESET["working"]), message="the spinner")
    tmux("send-keys", "-t", "demo", "Escape")
    wait_until(lambda: ready() and "Interrupted" in screen(), message="the interrupted turn")
    assert "README.md" not in git(sample, "status", "--porcelain")

    tmux("send-keys", "-t", "demo", "C-c")
    wait_until(lambda: "demo agent exited with 0" in screen(), message="exit status 0")
