"""What an agent's hook events say about its status.

Claude's ``Notification:permission_prompt`` is left out on purpose: it fires about 6 s after the
dialog appears (``PermissionRequest`` fires at once), so it would re-assert a stale "waiting".

Hooks append one event name per line to the task's events file; ``Notification`` events carry
their matcher after a colon (``Notification:permission_prompt``).
"""

from __future__ import annotations

from squadron.core.status import Status

HOOK_STATUS: dict[str, Status] = {
    "UserPromptSubmit": Status.WORKING,
    "PreToolUse": Status.WORKING,
    "PostToolUse": Status.WORKING,
    "PermissionRequest": Status.WAITING,
    "Notification:elicitation_dialog": Status.WAITING,
    "Stop": Status.IDLE,
    "codex-notify": Status.IDLE,
}

# Claude Code hook events squadron listens to, with the Notification matchers it needs.
CLAUDE_EVENTS: tuple[tuple[str, str], ...] = (
    ("UserPromptSubmit", ""),
    ("PreToolUse", ""),
    ("PostToolUse", ""),
    ("PermissionRequest", ""),
    ("Notification", "elicitation_dialog"),
    ("Stop", ""),
)


def status_of(event_line: str) -> Status | None:
    return HOOK_STATUS.get(event_line.strip())
