"""Finding, starting, replacing and stopping a repository's supervisor (the client side).

The supervisor (:mod:`squadron.engine.supervisor`) is one process per repository that owns
every automated action on its tasks. It runs in a session of its own on squadron's private tmux
server, so it outlives the TUI and the shell that started it. It holds an flock on
``.git/squadron/supervisor.lock`` for as long as it runs: that lock, not a pid file, says
whether one is running, so a crashed supervisor never looks alive. ``supervisor.json`` says who
it is (pid, build, session) and when it last ticked.

Any command that needs it calls :func:`ensure`: it starts one when none runs, and replaces one
that runs a different build of squadron (an upgrade, or another install). Its state is the task
files, so a restart loses nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import squadron
from squadron.adapters.store import StateStore, lock_held

if TYPE_CHECKING:
    from squadron.engine.engine import Engine

SESSION_SUFFIX = "supervisor"


@dataclass(frozen=True)
class SupervisorInfo:
    pid: int
    build: str
    version: str
    started_at: float
    session: str
    heartbeat: float = 0.0

    @classmethod
    def read(cls, store: StateStore) -> SupervisorInfo | None:
        try:
            data: Any = json.loads(store.supervisor_info.read_text(encoding="utf-8"))
            return cls(**data)
        except (OSError, ValueError, TypeError):
            return None


def build_id() -> str:
    """This install of squadron: its version, interpreter and source files. A supervisor of
    another build is replaced (an upgrade, an edited checkout, another virtualenv)."""
    import hashlib

    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(f"{squadron.__version__}\0{sys.executable}".encode())
    root = Path(squadron.__file__).parent
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".toml", ".tcss"):
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def session_of(engine: Engine) -> str:
    return f"{engine.key}_{SESSION_SUFFIX}"


def is_running(store: StateStore) -> bool:
    """Whether a supervisor holds the repository's supervisor lock now."""
    return lock_held(store.supervisor_lock)


def running_info(store: StateStore) -> SupervisorInfo | None:
    """The running supervisor's record, or None when none runs."""
    return SupervisorInfo.read(store) if is_running(store) else None


def _argv(engine: Engine) -> list[str]:
    return [sys.executable, "-m", "squadron", "--repo", str(engine.repo.toplevel), "supervise"]


def _environment(session: str) -> dict[str, str]:
    """The supervisor runs with this process's environment (the tmux server's own may be
    another user session's), minus what would point it at another tmux, and knows its own
    session (its control connection attaches there)."""
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    env.pop("SQUADRON_FAULT", None)  # a fault injected into a command is not the supervisor's
    env["SQUADRON_SUPERVISOR_SESSION"] = session
    return env


def ensure(engine: Engine) -> str:
    """Make sure this repository's supervisor runs this build. Returns "" when it already
    did, else one line saying what was done. Does not wait for a new one to be ready: what
    it must do is recorded in the task files, and it reads them when it starts."""
    info = running_info(engine.store)
    if info is not None and info.build == build_id():
        return ""
    note = "started the supervisor"
    if info is not None:
        stop(engine)
        note = f"replaced a supervisor of another squadron build (pid {info.pid})"
    _start(engine)
    return note


def _start(engine: Engine) -> None:
    from squadron.adapters.tmux import SessionExistsError, TmuxError

    session = session_of(engine)
    panes = {p.session: p for p in engine.tmux.list_panes()}
    pane = panes.get(session)
    if pane is not None and pane.dead:
        engine.tmux.kill_session(session)  # a crashed supervisor's pane
        pane = None
    if pane is None:
        engine.store.root.mkdir(parents=True, exist_ok=True)
        try:
            engine.tmux.new_session(
                session, engine.repo.toplevel, _argv(engine), _environment(session), 120, 30
            )
        except SessionExistsError:
            pass  # another command started it a moment ago
        except TmuxError as exc:
            raise TmuxError(f"cannot start the supervisor: {exc}") from None


def stop(engine: Engine, wait: float = 5.0) -> bool:
    """End the supervisor (its session and process). False when none was running."""
    info = SupervisorInfo.read(engine.store)
    running = is_running(engine.store)
    session = info.session if info is not None else session_of(engine)
    engine.tmux.kill_session(session)
    if running and info is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(info.pid, signal.SIGTERM)
    deadline = time.monotonic() + wait
    while is_running(engine.store) and time.monotonic() < deadline:
        time.sleep(0.02)
    return running
