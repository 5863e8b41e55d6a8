"""Handing the real terminal to ``tmux attach`` for a take-over.

The app calls an *attacher* so tests can swap it: ``App.suspend()`` cannot run under Pilot.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any, Protocol

from textual.app import App


class Attacher(Protocol):
    def __call__(self, app: App[Any], argv: list[str]) -> None: ...


def terminal_attacher(app: App[Any], argv: list[str]) -> None:
    """Suspend the TUI, run tmux attach on the real terminal, come back when it detaches."""
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    with app.suspend():
        subprocess.run(argv, env=env, check=False)
