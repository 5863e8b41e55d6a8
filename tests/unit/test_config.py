from __future__ import annotations

from pathlib import Path

import pytest

from squadron.adapters.config import ConfigError, load_settings
from squadron.adapters.places import config_dir, state_home, user_config_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_files(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert settings.default_agent == "claude" and settings.detach_key == "C-q"
    assert {"claude", "codex", "aider", "gemini", "opencode", "shell"} <= set(settings.agents)
    assert settings.sources == ()


def test_project_wins_over_user_and_agents_merge_field_by_field(tmp_path: Path) -> None:
    write(
        user_config_path(),
        'default_agent = "codex"\ncheck = "make test"\n'
        '[agents.claude]\ncommand = ["/opt/claude"]\n',
    )
    write(tmp_path / ".squadron.toml", 'check = "pytest -q"\n[agents.claude]\nsubmit_delay = 0.2\n')
    settings = load_settings(tmp_path)
    assert settings.default_agent == "codex"  # only in the user file
    assert settings.check == "pytest -q"  # the project file wins
    claude = settings.agents["claude"]
    assert claude.command == ("/opt/claude",) and claude.submit_delay == 0.2
    assert claude.waiting  # the built-in patterns are kept
    assert len(settings.sources) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('defualt_agent = "x"', "unknown key 'defualt_agent' (did you mean 'default_agent'?)"),
        ("ready_timeout = 'soon'", "'ready_timeout' has the wrong type"),
        ("auto_check = 1", "'auto_check' has the wrong type"),
        ('auto_approve = "yes"', "'auto_approve' must be one of off, safe, all"),
        ('[notifications]\ndesktop = "pager"', "'notifications.desktop' must be one of"),
        ("[notifications]\nbel = true", "unknown key 'notifications.bel'"),
        ('[keys]\nreview.send = "x"', "quote ids with a dot"),
        ("[keys]\nquit = 3", "'keys.quit' must be a string"),
        ("[agents.claude]\nwaitng = ['x']", "did you mean 'waiting'?"),
        ("[agents.x]\nworking = ['x']", "preset 'x': missing key 'command'"),
        ("[agents.x]\ncommand = ['x']\nworking = ['(']", "key 'working': bad regex '('"),
        ("not toml at all [", "invalid TOML"),
    ],
)
def test_bad_config_names_file_key_and_nearest(tmp_path: Path, text: str, message: str) -> None:
    path = write(user_config_path(), text + "\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    assert message in str(info.value)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def error_for(path: Path, repo: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(repo)
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    return message


def test_config_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    path = user_config_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b'detach_key = "C-q"\ncheck = "caf\xe9"\n')
    assert "not UTF-8 text (at byte 32)" in error_for(path, tmp_path)


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("Enter", "Enter submits what you type"),
        ("C-m", "C-m is Enter to a terminal"),
        ("Tab", "agents use Tab"),
        ("C-i", "C-i is Tab to a terminal"),
        ("Escape", "agents use Escape"),
        ("C-[", "C-[ is Escape to a terminal"),
        ("BSpace", "Backspace deletes"),
        ("C-h", "C-h is Backspace to a terminal"),
        ("C-c", "C-c interrupts the agent"),
        ("C-d", "C-d ends the agent's input"),
        ("a", "without Ctrl or Alt"),
        ("1", "without Ctrl or Alt"),
        ("Space", "without Ctrl or Alt"),
        ("Up", "without Ctrl or Alt"),
        ("C-q C-x", "it is not a tmux key name"),
        ("M-#", "squadron cannot bind '#'"),
    ],
)
def test_detach_key_an_agent_needs_or_that_cannot_work(tmp_path: Path, key: str, why: str) -> None:
    path = write(tmp_path / ".squadron.toml", f"detach_key = {key!r}\n")
    message = error_for(path, tmp_path)
    assert f"'detach_key' = {key!r} cannot be used: {why}" in message
    assert message.endswith("use a Ctrl or Alt combination such as C-q")


@pytest.mark.parametrize("key", ["C-q", "M-q", "C-M-g", "^q", "F12", "C-Space", "M-Up"])
def test_detach_key_combinations_and_function_keys_are_accepted(tmp_path: Path, key: str) -> None:
    write(tmp_path / ".squadron.toml", f"detach_key = {key!r}\n")
    assert load_settings(tmp_path).detach_key == key


def test_relative_worktree_root_is_refused(tmp_path: Path) -> None:
    path = write(user_config_path(), 'worktree_root = "worktrees"\n')
    message = error_for(path, tmp_path)
    assert "'worktree_root' = 'worktrees' is relative: give an absolute path" in message


@pytest.mark.parametrize("inside", ["", "wt", ".git/wt"])
def test_worktree_root_inside_the_repository_is_refused(tmp_path: Path, inside: str) -> None:
    repo = tmp_path / "proj"
    repo.mkdir()
    root = repo / inside if inside else repo
    path = write(repo / ".squadron.toml", f"worktree_root = {str(root)!r}\n")
    message = error_for(path, repo)
    assert f"'worktree_root' = {str(root)!r} is inside the repository {repo}" in message


def test_worktree_root_outside_the_repository_with_tilde(tmp_path: Path) -> None:
    repo = tmp_path / "proj"
    repo.mkdir()
    write(user_config_path(), 'worktree_root = "~/worktrees"\n')
    assert load_settings(repo).worktree_root == str(Path.home() / "worktrees")
    write(user_config_path(), f"worktree_root = {str(tmp_path / 'proj-wt')!r}\n")
    assert load_settings(repo).worktree_root == str(tmp_path / "proj-wt")


def test_the_error_names_the_file_that_set_the_bad_preset(tmp_path: Path) -> None:
    write(user_config_path(), '[agents.mine]\ncommand = ["mine"]\n')
    path = write(tmp_path / ".squadron.toml", "[agents.claude]\ncommand = []\n")
    message = error_for(path, tmp_path)
    assert str(user_config_path()) not in message
    assert "preset 'claude': key 'command' is empty" in message
    assert 'e.g. command = ["claude"]' in message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ready_timeout = 0", "'ready_timeout' must be a number of seconds above 0"),
        ("[notifications]\ndelay = -1", "'notifications.delay' must be 0 seconds or more"),
    ],
)
def test_numbers_out_of_range(tmp_path: Path, text: str, message: str) -> None:
    assert message in error_for(write(user_config_path(), text + "\n"), tmp_path)


def test_relative_xdg_homes_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/config")
    monkeypatch.setenv("XDG_STATE_HOME", "relative/state")
    assert config_dir() == Path.home() / ".config" / "squadron"
    assert state_home() == Path.home() / ".local" / "state" / "squadron"
