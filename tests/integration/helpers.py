"""Shared set-up for tests that drive squadron over real git and a real private tmux."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from squadron.core.status import Status
from squadron.core.task import Task
from squadron.engine.engine import Engine
from tests.conftest import FAKE_AGENT, wait_until

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


def delivered(engine: Engine, tid: str, timeout: float = 20) -> Task:
    """Wait until the supervisor has typed every queued entry of ``tid``; each went in."""

    def done() -> Task | None:
        task = engine.store.load(tid)
        return task if task is not None and not task.pending() else None

    task = wait_until(done, timeout, message=f"{tid}: everything queued typed")
    assert isinstance(task, Task)
    failed = [o for o in task.outbox if o.state == "failed"]
    assert not failed, f"{tid}: not delivered: {[o.note for o in failed]}"
    return task


def recorded(engine: Engine, tid: str, status: Status, timeout: float = 15) -> Task:
    """Wait until the supervisor records ``status`` for ``tid``."""

    def seen() -> Task | None:
        task = engine.store.load(tid)
        return task if task is not None and task.status == status else None

    task = wait_until(seen, timeout, message=f"{tid} recorded as {status}")
    assert isinstance(task, Task)
    return task
