"""The real take-over: squadron's TUI in a real terminal hands it to ``tmux attach`` and back.

The TUI runs inside an OUTER tmux server (its own socket, no config) that plays the user's
terminal; keys are typed into it with ``send-keys`` and its screen is read with
``capture-pane``. The agents live on squadron's private server as always.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from squadron.engine.engine import Engine
from tests.conftest import tmux_socket_path, wait_until
from tests.integration.helpers import squadron, write_user_config

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("tmux_available")]

TITLE = "Take me over"
TIMEOUT = 15.0
AGENT_BANNER = "fake-agent 1.0 in"
INNER_STATUS = ("[squadron]", "C-q: back to squadron")  # squadron's tmux status line
TUI_BACK = "? help"  # in the TUI's banner


class OuterTerminal:
    """A tmux server standing in for the user's terminal emulator."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def tmux(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            env=env,
        )

    def start(self, argv: list[str], cwd: Path) -> None:
        # The server's environment is this process's isolated one (HOME, XDG_*, GIT_CONFIG_*,
        # SQUADRON_TMUX_SOCKET), passed explicitly: os.environ, not the C-level environment,
        # where an imported readline may have put COLUMNS=80 and LINES=24 (then the TUI draws
        # itself 80x24 whatever the terminal's size).
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        session = ["new-session", "-d", "-s", "outer", "-x", "140", "-y", "40", "-c", str(cwd)]
        keep = ["set-option", "-g", "remain-on-exit", "on"]  # a crash stays readable
        done = self.tmux(*session, "--", *argv, ";", *keep, env=env)
        assert done.returncode == 0, done.stderr

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "outer").stdout

    def press(self, *keys: str) -> None:
        done = self.tmux("send-keys", "-t", "outer", *keys)
        assert done.returncode == 0, done.stderr

    def wait_for(self, predicate: Callable[[str], object], what: str) -> str:
        """Wait until ``predicate(screen)`` holds; on timeout show the screen we last saw."""
        seen = {"screen": ""}

        def check() -> bool:
            seen["screen"] = self.screen()
            return bool(predicate(seen["screen"]))

        try:
            wait_until(check, timeout=TIMEOUT, message=what)
            return seen["screen"]
        except pytest.fail.Exception:
            pass  # fail below, outside this handler: one message, with the screen
        pytest.fail(
            f"timed out after {TIMEOUT}s waiting for {what}; the outer terminal "
            f"showed:\n{seen['screen']}"
        )

    def kill(self) -> None:
        self.tmux("kill-server")
        tmux_socket_path(self.socket).unlink(missing_ok=True)


@pytest.fixture
def outer() -> Iterator[OuterTerminal]:
    terminal = OuterTerminal(os.environ["SQUADRON_TMUX_SOCKET"] + "o")
    try:
        yield terminal
    finally:
        terminal.kill()


def agent_screen(screen: str) -> bool:
    """The outer terminal shows the agent itself, through squadron's tmux (not a preview)."""
    return AGENT_BANNER in screen and all(text in screen for text in INNER_STATUS)


def tui_screen(screen: str) -> bool:
    """The outer terminal shows squadron's TUI again, with the task row."""
    return TUI_BACK in screen and TITLE in screen and INNER_STATUS[1] not in screen


def row_of(repo: Path, tid: str) -> dict[str, object]:
    listing = squadron("ls", "--json", cwd=repo)
    assert listing.returncode == 0, listing.stderr
    return next(row for row in json.loads(listing.stdout) if row["id"] == tid)


def test_take_over_and_detach_with_the_detach_key_and_the_prefix(
    repo: Path, outer: OuterTerminal
) -> None:
    write_user_config('default_agent = "fake"\n')
    tid = Engine.open(repo).new_task(TITLE, agent="fake").id
    outer.start([sys.executable, "-m", "squadron"], cwd=repo)
    # The task row, and its live preview: t1 is selected.
    outer.wait_for(
        lambda s: TITLE in s and TUI_BACK in s and AGENT_BANNER in s,
        "the TUI with the task selected",
    )
    assert row_of(repo, tid)["mode"] == "unattended"

    # Take over; come back with the documented detach key.
    outer.press("t")
    outer.wait_for(agent_screen, "the agent's own screen after pressing t")
    outer.press("C-q")
    outer.wait_for(tui_screen, "the TUI back after C-q")
    assert row_of(repo, tid)["mode"] == "conductor"

    # Again, coming back through the tmux prefix: C-b d.
    outer.press("t")
    outer.wait_for(agent_screen, "the agent's own screen after pressing t again")
    outer.press("C-b", "d")
    outer.wait_for(tui_screen, "the TUI back after C-b d")
    assert row_of(repo, tid)["mode"] == "conductor"

    # The TUI still answers keys, and the agent outlives both take-overs and the TUI.
    outer.press("q")
    outer.wait_for(lambda s: TUI_BACK not in s, "the TUI to quit")
    assert row_of(repo, tid)["status"] not in ("exited", "lost")


def test_cli_attach_records_conductor_mode_and_detaches_back_to_the_shell(
    repo: Path, outer: OuterTerminal
) -> None:
    write_user_config('default_agent = "fake"\n')
    tid = Engine.open(repo).new_task(TITLE, agent="fake").id
    outer.start([sys.executable, "-m", "squadron", "attach", tid], cwd=repo)
    outer.wait_for(agent_screen, "the agent's own screen after squadron attach")
    assert row_of(repo, tid)["mode"] == "conductor"
    outer.press("C-q")
    outer.wait_for(
        lambda s: f"squadron handback {tid}" in s and AGENT_BANNER not in s,
        "back in the shell, told how to hand the task back",
    )
    assert row_of(repo, tid)["status"] not in ("exited", "lost")
