"""Shared set-up for tests that drive squadron over real git and a real private tmux."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import FAKE_AGENT

FAKE_PRESET = f"""
[agents.fake]
command = [{json.dumps(sys.executable)}, {json.dumps(str(FAKE_AGENT))}]
programs = ["python3", "python"]
ready = ['^> ?$']
working = ['esc to interrupt']
waiting = ['\\(y/n\\) ?$']
approve_keys = ["y"]
"""


def write_user_config(text: str = "") -> Path:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "squadron" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + FAKE_PRESET, encoding="utf-8")
    return path


def squadron(
    *args: str,
    cwd: Path,
    input: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run the real ``squadron`` command line as a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "squadron", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
