"""Which detach keys and socket names squadron's tmux server accepts. No tmux runs here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from squadron.adapters.tmux import (
    SOCKET_PATH_MAX,
    TmuxError,
    TmuxServer,
    config_text,
    detach_key_problem,
    socket_path,
    socket_problem,
)

AGENT_KEYS = [
    "Enter",
    "C-m",
    "C-M",
    "^M",
    "M-Enter",
    "Tab",
    "C-i",
    "BTab",
    "Escape",
    "C-[",
    "^[",
    "BSpace",
    "C-h",
    "C-?",
    "C-c",
    "C-d",
    "C-j",
    "C-M-c",
]
PLAIN_KEYS = ["a", "Q", "1", "/", "Space", "Up", "Left", "Home", "PageUp", "S-a", "S-Up"]
NOT_KEYS = ["", "C-", "Enterx", "C-q C-x", " C-q", "KP1", "é", "M-#", 'C-"', "C-;", "x" * 40]
GOOD_KEYS = ["C-q", "C-g", "M-q", "C-M-q", "^q", "C-]", "C-Space", "M-Up", "F1", "f12", "S-F5"]


@pytest.mark.parametrize("key", AGENT_KEYS + PLAIN_KEYS + NOT_KEYS)
def test_refused_detach_keys_say_why_and_suggest_c_q(key: str) -> None:
    problem = detach_key_problem(key)
    assert problem and problem.endswith("use a Ctrl or Alt combination such as C-q")
    with pytest.raises(TmuxError, match="invalid detach key"):
        config_text(key)


@pytest.mark.parametrize("key", PLAIN_KEYS)
def test_plain_keys_would_be_swallowed_while_typing(key: str) -> None:
    assert "without Ctrl or Alt" in (detach_key_problem(key) or "")


@pytest.mark.parametrize("key", GOOD_KEYS)
def test_ctrl_and_alt_combinations_and_function_keys_work(key: str) -> None:
    assert detach_key_problem(key) is None
    assert f"bind -n {key} detach-client" in config_text(key)


def test_the_config_cannot_be_escaped_through_the_key() -> None:
    assert detach_key_problem('C-q"; run-shell "touch /tmp/x') is not None
    assert detach_key_problem("C-q\nrun-shell x") is not None


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "it is empty"),
        ("a/b", "it holds '/'"),
        ("..", "it names a folder"),
        ("sq\udcff", "not valid UTF-8"),
        ("s" * 120, f"unix sockets allow {SOCKET_PATH_MAX}"),
    ],
)
def test_socket_names_tmux_cannot_use(name: str, why: str, tmp_path: Path) -> None:
    assert why in (socket_problem(name) or "")
    if name:  # an empty name means "the default socket" to TmuxServer
        with pytest.raises(TmuxError, match="invalid tmux socket name"):
            TmuxServer(name, tmp_path / "tmux.conf")


def test_the_longest_socket_name_that_fits(tmp_path: Path) -> None:
    room = SOCKET_PATH_MAX - len(os.fsencode(socket_path("x"))) + 1
    assert socket_problem("s" * room) is None
    assert TmuxServer("s" * room, tmp_path / "tmux.conf").socket == "s" * room
    assert "bytes long" in (socket_problem("s" * (room + 1)) or "")
