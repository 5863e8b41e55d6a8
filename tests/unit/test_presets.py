"""Agent presets: the built-ins, and user tables merged over them."""

from __future__ import annotations

from typing import Any

import pytest

from squadron.core.presets import (
    Preset,
    PresetError,
    builtin_presets,
    merge_presets,
    preset_from_table,
)

BUILTIN = builtin_presets()


def merged(tables: dict[str, Any]) -> dict[str, Preset]:
    return merge_presets(BUILTIN, tables)


def error_for(tables: dict[str, Any]) -> PresetError:
    with pytest.raises(PresetError) as info:
        merged(tables)
    assert "\n" not in str(info.value)
    return info.value


def test_builtins_load() -> None:
    assert set(BUILTIN) == {"claude", "codex", "aider", "gemini", "opencode", "shell"}
    assert BUILTIN["claude"].command == ("claude",)
    assert BUILTIN["claude"].hooks == "claude" and BUILTIN["codex"].hooks == "codex"
    assert BUILTIN["codex"].submit_delay == pytest.approx(0.5)
    assert BUILTIN["aider"].approve_keys == ("y", "Enter")
    assert {"codex", "node"} <= set(BUILTIN["codex"].programs)
    assert all(p.prompt_mode == "type" for p in BUILTIN.values())
    assert all(p.name == name for name, p in BUILTIN.items())
    assert len({hash(p) for p in BUILTIN.values()}) == len(BUILTIN)  # frozen and hashable


def test_shell_preset_is_activity_only() -> None:
    shell = BUILTIN["shell"]
    assert shell.command == () and shell.activity_only
    assert set(shell.idle_programs) == {"sh", "bash", "zsh", "fish", "dash"}
    assert not any(p.activity_only for n, p in BUILTIN.items() if n != "shell")


def test_builtin_presets_returns_a_fresh_dict() -> None:
    first = builtin_presets()
    first.pop("claude")
    assert "claude" in builtin_presets()


def test_user_table_overrides_only_the_keys_it_sets() -> None:
    presets = merged(
        {
            "claude": {
                "command": ["/opt/claude/bin/claude", "--model", "opus"],
                "submit_delay": 1,
                "env": {"B": "2", "A": "1"},
            }
        }
    )
    claude = presets["claude"]
    assert claude.command == ("/opt/claude/bin/claude", "--model", "opus")
    assert claude.submit_delay == 1.0
    assert dict(claude.env) == {"A": "1", "B": "2"}
    assert claude.waiting == BUILTIN["claude"].waiting
    assert claude.programs == BUILTIN["claude"].programs
    assert presets["codex"] is BUILTIN["codex"]
    assert BUILTIN["claude"].command == ("claude",)  # built-ins untouched


def test_new_preset_and_command_string() -> None:
    presets = merged(
        {"mine": {"command": "/usr/bin/my-agent --fast 'two words'", "waiting": ["Proceed\\?"]}}
    )
    mine = presets["mine"]
    assert mine.command == ("/usr/bin/my-agent", "--fast", "two words")
    assert mine.programs == ("my-agent",)
    assert mine.waiting == ("Proceed\\?",) and mine.hooks == "none"


def test_new_preset_needs_a_command() -> None:
    error = error_for({"mine": {"waiting": ["x"]}})
    assert "'mine'" in str(error) and "'command'" in str(error)


def test_extends_starts_from_another_preset() -> None:
    presets = merged({"opus": {"extends": "claude", "command": ["claude", "--model", "opus"]}})
    assert presets["opus"].waiting == BUILTIN["claude"].waiting
    assert presets["opus"].name == "opus"
    error = error_for({"opus": {"extends": "claud"}})
    assert "'claud'" in str(error) and "did you mean 'claude'" in str(error)


def test_unknown_key_names_the_nearest_valid_key() -> None:
    error = error_for({"claude": {"waitng": ["x"]}})
    assert str(error) == "preset 'claude': unknown key 'waitng' (did you mean 'waiting'?)"
    assert (error.preset, error.key) == ("claude", "waitng")
    assert "did you mean 'submit_delay'" in str(error_for({"codex": {"submit_dealy": 1}}))


def test_bad_regex_is_reported_with_key_and_pattern() -> None:
    error = error_for({"claude": {"working": ["ok", "(unclosed"]}})
    assert "'working'" in str(error) and "'(unclosed'" in str(error)
    assert error.key == "working"


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"command": 3}, "command"),
        ({"command": ["ok", 3]}, "command"),
        ({"command": "unbalanced 'quote"}, "command"),
        ({"submit_delay": "fast"}, "submit_delay"),
        ({"submit_delay": True}, "submit_delay"),
        ({"submit_delay": -1}, "submit_delay"),
        ({"env": {"A": 1}}, "env"),
        ({"env": ["A=1"]}, "env"),
        ({"prompt_mode": "paste"}, "prompt_mode"),
        ({"hooks": "gemini"}, "hooks"),
        ({"approve_keys": [1]}, "approve_keys"),
        ({"description": ["x"]}, "description"),
    ],
)
def test_wrong_types_are_refused(table: dict[str, Any], key: str) -> None:
    error = error_for({"claude": table})
    assert error.key == key and f"'{key}'" in str(error)


def test_table_must_be_a_table() -> None:
    assert "expected a table" in str(error_for({"claude": "fast"}))


def test_preset_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown key"):
        preset_from_table("x", {"command": [], "nope": 1}, None)


@pytest.mark.parametrize(
    "tables",
    [
        {"claude": {"command": []}},  # a built-in agent overridden with nothing to run
        {"claude": {"command": "   "}},  # a string that splits into no words
        {"mine": {"command": []}},  # a new preset
        {"mine": {"extends": "claude", "command": []}},
        {"shell": {"extends": "claude"}, "mine": {"extends": "shell", "command": []}},
    ],
)
def test_an_empty_command_is_only_for_the_shell(tables: dict[str, Any]) -> None:
    error = error_for(tables)
    assert error.key == "command" and "key 'command' is empty" in str(error)
    assert "an empty command means your $SHELL" in str(error)


def test_the_shell_and_presets_extending_it_may_run_the_users_shell() -> None:
    presets = merged(
        {
            "shell": {"description": "my shell"},
            "sh2": {"extends": "shell"},
            "sh3": {"extends": "sh2", "command": []},
        }
    )
    assert presets["shell"].command == presets["sh2"].command == presets["sh3"].command == ()


def test_an_empty_program_name_is_refused() -> None:
    error = error_for({"mine": {"command": ["", "--flag"]}})
    assert "starts with an empty program name" in str(error) and error.key == "command"
