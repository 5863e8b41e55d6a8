"""Per-task agent hooks: precise status events, scoped to squadron's own sessions.

Nothing here touches the user's global agent configuration. Claude Code gets a settings file of
its own through ``--settings FILE``; Codex gets ``-c notify=[...]`` on its command line. Each
hook appends one event name to ``$SQUADRON_EVENTS``, a variable set only in the task's tmux
session, so the same hook fires nowhere else.
"""

from __future__ import annotations

import json

from squadron.adapters.store import StateStore, atomic_write
from squadron.core.hook_events import CLAUDE_EVENTS
from squadron.core.presets import Preset


def _append(event: str) -> str:
    # A fixed command: the event name is ours, the file comes from the session's environment.
    return f'echo {event} >> "$SQUADRON_EVENTS"'


def claude_settings() -> dict[str, object]:
    hooks: dict[str, list[dict[str, object]]] = {}
    for event, matcher in CLAUDE_EVENTS:
        name = f"{event}:{matcher}" if matcher else event
        entry: dict[str, object] = {"hooks": [{"type": "command", "command": _append(name)}]}
        if matcher:
            entry["matcher"] = matcher
        hooks.setdefault(event, []).append(entry)
    return {"hooks": hooks}


def hook_args(preset: Preset, store: StateStore, task_id: str) -> list[str]:
    """The options that give this task's agent its own hooks (added after its command)."""
    if preset.hooks == "claude":
        path = store.root / "hooks" / f"{task_id}.claude.json"
        atomic_write(path, json.dumps(claude_settings(), indent=1))
        return ["--settings", str(path)]
    if preset.hooks == "codex":
        notify = json.dumps(["sh", "-c", _append("codex-notify")])
        return ["-c", f"notify={notify}"]
    return []
