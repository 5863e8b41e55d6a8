"""Agent presets: how to start one agent program and how to read its pane.

Presets are data. The built-ins live in ``presets.toml`` beside this module; users override any
key of a built-in, or add presets, with TOML tables of the same shape (``[agents.<name>]`` in
their config). Tables are checked strictly: an unknown key, a wrong type or a bad regex raises
``PresetError`` with one line naming the preset, the key and, for a typo, the nearest valid key.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import shlex
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from functools import cache
from importlib import resources
from typing import Any

PROMPT_MODES = ("type", "arg")
# The preset whose empty command means "the user's $SHELL".
SHELL_PRESET = "shell"
HOOK_KINDS = ("claude", "codex", "none")

# Keys whose values are lists of regexes (compiled with re.MULTILINE by the detector).
PATTERN_KEYS = frozenset(
    {
        "ready",
        "input_box",
        "working",
        "working_footer",
        "waiting",
        "idle",
        "title_working",
        "title_waiting",
        "title_idle",
        "safe_approve",
    }
)
_NAME_KEYS = frozenset({"programs", "idle_programs", "approve_keys"})
# Shells: one of them in the foreground of an agent's pane means the agent has exited to it.
SHELL_PROGRAMS = frozenset({"sh", "bash", "zsh", "fish", "dash", "ksh", "tcsh", "csh"})
_SCRIPT_SUFFIXES = (".js", ".mjs", ".cjs", ".py", ".exe")


class PresetError(ValueError):
    """A preset table squadron cannot use. ``str()`` is one line for the user."""

    def __init__(self, message: str, *, preset: str = "", key: str = "") -> None:
        super().__init__(message)
        self.preset = preset
        self.key = key


@dataclass(frozen=True)
class Preset:
    """How to run and read one agent program.

    Regex fields are strings (compiled by the detector) so that presets stay hashable, frozen
    and printable; ``preset_from_table`` has already checked that each one compiles.
    """

    name: str
    # argv that starts the agent; empty means the user's $SHELL, else /bin/sh (only for the
    # shell preset and presets that extend it: see merge_presets).
    command: tuple[str, ...] = ()
    description: str = ""
    # "type": the first prompt is typed once the agent is ready; "arg": appended to argv.
    prompt_mode: str = "type"
    # Program names (tmux #{pane_current_command} or argv[0] basename) that run this agent.
    programs: tuple[str, ...] = ()
    # Programs that, in the foreground with settled output, mean "back at a prompt": idle.
    idle_programs: tuple[str, ...] = ()
    # The agent shows its input prompt (ready for typing), searched on the whole screen.
    ready: tuple[str, ...] = ()
    # The top line of the input box; the screen is split at the last match.
    input_box: tuple[str, ...] = ()
    # Busy markers read above the input box.
    working: tuple[str, ...] = ()
    # Busy markers read from the input box down (status lines drawn under the box).
    working_footer: tuple[str, ...] = ()
    # The agent asks the human: read from the box down, or the whole screen when no box shows.
    waiting: tuple[str, ...] = ()
    # Explicit idle markers, besides the ready prompt.
    idle: tuple[str, ...] = ()
    # Pane-title regexes.
    title_working: tuple[str, ...] = ()
    title_waiting: tuple[str, ...] = ()
    title_idle: tuple[str, ...] = ()
    # tmux key names that answer "yes" to a permission question.
    approve_keys: tuple[str, ...] = ()
    # Questions a "safe" auto-approve policy may answer (file edits, reads; never commands).
    safe_approve: tuple[str, ...] = ()
    # Seconds between typing text and pressing Enter.
    submit_delay: float = 0.0
    # Seconds the ready prompt must stay on screen, unchanged, before squadron types into it.
    settle: float = 0.4
    # The same before the first prompt: start-up questions (folder trust) can appear late.
    startup_settle: float = 1.5
    # Lines above the input_box match that belong to the input area (where typed text shows).
    input_lines_above: int = 0
    # Seconds after squadron submits an instruction during which idle is not believed unless
    # the agent was seen working (some agents draw nothing for a few seconds after Enter).
    submit_grace: float = 3.0
    # Which hook integration the engine installs: "claude", "codex" or "none".
    hooks: str = "none"
    # Extra environment for the agent, as sorted (name, value) pairs: dict(preset.env).
    env: tuple[tuple[str, str], ...] = ()

    @functools.cached_property
    def activity_only(self) -> bool:
        """True when the preset has no screen or title patterns: status from activity only."""
        return not any(getattr(self, key) for key in PATTERN_KEYS if key != "safe_approve")

    def runs(self, program: str) -> bool:
        """Whether ``program`` (a path, a basename or a pane_current_command) runs this agent."""
        name = program_name(program)
        return bool(name) and (name in self.programs or name == self.name)


# -- loading ---------------------------------------------------------------------------------


def builtin_presets() -> dict[str, Preset]:
    """The presets shipped in ``presets.toml``, by name (a new dict on each call)."""
    return dict(_builtin_presets())


@cache
def _builtin_presets() -> tuple[tuple[str, Preset], ...]:
    text = resources.files("squadron.core").joinpath("presets.toml").read_text(encoding="utf-8")
    tables = tomllib.loads(text)
    return tuple((name, preset_from_table(name, table, None)) for name, table in tables.items())


def merge_presets(
    builtin: Mapping[str, Preset], user_tables: Mapping[str, Any]
) -> dict[str, Preset]:
    """Built-in presets with the user's tables merged over them, key by key.

    A table named like a built-in overrides only the keys it sets. A new name makes a new
    preset, which must set ``command``, or ``extends = "<preset>"`` to start from another one.
    An empty ``command`` means "the user's $SHELL": only the shell preset and presets that
    extend it may have one (an agent that falls back to a shell would run its prompt as a
    command).
    """
    merged = dict(builtin)
    shells = {SHELL_PRESET}
    for name, table in user_tables.items():
        if not isinstance(table, Mapping):
            raise PresetError(
                f"preset '{name}': expected a table of keys, got {_type_name(table)}", preset=name
            )
        body = dict(table)
        parent = body.pop("extends", None)
        if parent is None:
            base = merged.get(name)
        elif not isinstance(parent, str):
            raise PresetError(
                f"preset '{name}': 'extends' must be a preset name (a string)",
                preset=name,
                key="extends",
            )
        elif parent not in merged:
            raise PresetError(
                f"preset '{name}': extends unknown preset '{parent}'{_suggestion(parent, merged)}",
                preset=name,
                key="extends",
            )
        else:
            base = merged[parent]
        preset = preset_from_table(name, body, base)
        if (parent or name) in shells:
            shells.add(name)
        else:
            shells.discard(name)
        _check_command(preset, base, name in shells)
        merged[name] = preset
    return merged


def _check_command(preset: Preset, base: Preset | None, shell: bool) -> None:
    """PresetError when ``preset`` could not start its agent (see :func:`merge_presets`)."""
    name = preset.name
    if preset.command and not preset.command[0].strip():
        raise PresetError(
            f"preset '{name}': key 'command' starts with an empty program name",
            preset=name,
            key="command",
        )
    if not preset.command and not shell:
        example = json.dumps(list(base.command if base and base.command else (name,)))
        raise PresetError(
            f"preset '{name}': key 'command' is empty; an empty command means your $SHELL, "
            f'which only the shell preset (or one with extends = "{SHELL_PRESET}") may use: '
            f"name the agent's program, e.g. command = {example}",
            preset=name,
            key="command",
        )


def preset_from_table(name: str, table: Mapping[str, Any], base: Preset | None) -> Preset:
    """A preset from one TOML table, over ``base`` (``None``: a new preset, ``command`` needed).

    Lists of strings become tuples; ``command`` may also be one string, split like a shell
    would (no shell runs it). When ``command`` changes and ``programs`` is not given, the new
    program's basename is added to the programs that identify the agent.
    """
    if not name or not isinstance(name, str):
        raise PresetError("a preset needs a non-empty name")
    keys = table_keys()
    for key in table:
        if key not in keys:
            raise PresetError(
                f"preset '{name}': unknown key '{key}'{_suggestion(str(key), (*keys, 'extends'))}",
                preset=name,
                key=str(key),
            )
    if base is None and "command" not in table:
        raise PresetError(
            f"preset '{name}': missing key 'command' (the program and arguments "
            'that start the agent, or extends = "PRESET" to start from another preset)',
            preset=name,
            key="command",
        )
    changes: dict[str, Any] = {key: _convert(name, key, value) for key, value in table.items()}
    start = base if base is not None else Preset(name=name)
    command = changes.get("command")
    if isinstance(command, tuple) and "programs" not in changes and command:
        own = program_name(command[0])
        if own and own not in start.programs:
            changes["programs"] = (*start.programs, own)
    return replace(start, name=name, **changes)


def table_keys() -> tuple[str, ...]:
    """The keys a preset table may set, in declaration order."""
    return tuple(f.name for f in fields(Preset) if f.name != "name")


# -- converting one value --------------------------------------------------------------------


def _convert(preset: str, key: str, value: Any) -> object:
    """The value of ``key`` as a Preset field, or PresetError."""
    if key == "command":
        return _command(preset, value)
    if key in PATTERN_KEYS:
        patterns = _strings(preset, key, value)
        for pattern in patterns:
            _check_regex(preset, key, pattern)
        return patterns
    if key in _NAME_KEYS:
        return _strings(preset, key, value)
    if key == "prompt_mode":
        return _choice(preset, key, value, PROMPT_MODES)
    if key == "hooks":
        return _choice(preset, key, value, HOOK_KINDS)
    if key in ("submit_delay", "settle", "startup_settle", "submit_grace"):
        return _seconds(preset, key, value)
    if key == "input_lines_above":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _type_error(preset, key, "a whole number (0 or more)", value)
        return value
    if key == "env":
        return _env(preset, value)
    if not isinstance(value, str):  # description
        raise _type_error(preset, key, "a string", value)
    return value


def _command(preset: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        try:
            return tuple(shlex.split(value))
        except ValueError as exc:
            raise PresetError(
                f"preset '{preset}': key 'command': cannot split {value!r}: {exc}",
                preset=preset,
                key="command",
            ) from None
    return _strings(preset, "command", value)


def _strings(preset: str, key: str, value: Any) -> tuple[str, ...]:
    """A list of strings (or one string) as a tuple."""
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise _type_error(preset, key, "a list of strings", value)
    return tuple(value)


def _check_regex(preset: str, key: str, pattern: str) -> None:
    try:
        re.compile(pattern, re.MULTILINE)
    except re.error as exc:
        raise PresetError(
            f"preset '{preset}': key '{key}': bad regex {pattern!r}: {exc}", preset=preset, key=key
        ) from None


def _choice(preset: str, key: str, value: Any, choices: Sequence[str]) -> str:
    if value not in choices:
        raise PresetError(
            f"preset '{preset}': key '{key}' must be one of "
            f"{', '.join(repr(c) for c in choices)}, not {value!r}",
            preset=preset,
            key=key,
        )
    return str(value)


def _seconds(preset: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _type_error(preset, key, "a number of seconds (0 or more)", value)
    return float(value)


def _env(preset: str, value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _type_error(preset, "env", "a table of string values", value)
    return tuple(sorted(value.items()))


def _type_error(preset: str, key: str, expected: str, value: Any) -> PresetError:
    return PresetError(
        f"preset '{preset}': key '{key}' must be {expected}, not {_type_name(value)}",
        preset=preset,
        key=key,
    )


def _type_name(value: Any) -> str:
    return {
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _suggestion(word: str, candidates: Sequence[str] | Mapping[str, Any]) -> str:
    """The " (did you mean 'x'?)" hint for the nearest candidate; "" when there is none."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.0)
    return f" (did you mean '{close[0]}'?)" if close else ""


# -- recognising the agent in a pane ---------------------------------------------------------


def program_name(word: str) -> str:
    """The program a path or argv word names: ``/opt/bin/codex.js`` -> ``codex``."""
    base = word.strip().rsplit("/", 1)[-1]
    for suffix in _SCRIPT_SUFFIXES:
        if base.endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)]
    return base


def _argv_programs(argv: Sequence[str]) -> list[str]:
    """Program-like words of argv, in order: no flags and no ``NAME=value`` assignments."""
    words = []
    for word in argv:
        if not word or word.startswith("-") or re.match(r"^[A-Za-z_]\w*=", word):
            continue
        words.append(program_name(word))
    return words


def _command_matches(preset: Preset, argv: Sequence[str]) -> bool:
    """The preset's command, path-insensitive on the program, is a prefix of ``argv``."""
    command = preset.command
    if not command or len(argv) < len(command):
        return False
    return (
        program_name(argv[0]) == program_name(command[0])
        and tuple(argv[1 : len(command)]) == command[1:]
    )


def match_preset(
    presets: Mapping[str, Preset], current_command: str, argv: Sequence[str]
) -> Preset | None:
    """The preset that runs ``argv`` (or, failing that, ``current_command``), else None.

    Tolerates absolute paths, script suffixes, ``env VAR=x`` wrappers and extra flags. The
    longest preset command that prefixes argv wins; then, word by word (argv first, then the
    pane's current command), a preset of that name or the only preset listing that program.
    A program several presets share (``node``) decides nothing on its own.
    """
    by_command = [p for p in presets.values() if _command_matches(p, argv)]
    if by_command:
        return max(by_command, key=lambda p: len(p.command))
    for word in (*_argv_programs(argv), program_name(current_command)):
        if not word:
            continue
        if word in presets:
            return presets[word]
        owners = [p for p in presets.values() if word in p.programs]
        if len(owners) == 1:
            return owners[0]
    return None
