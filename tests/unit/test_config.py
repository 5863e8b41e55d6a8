from __future__ import annotations

from pathlib import Path

import pytest

from squadron.adapters.config import ConfigError, load_settings, user_config_path


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
