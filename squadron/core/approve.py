"""When to answer an agent's permission question for the user (unattended auto-approve).

Policies: ``off`` never answers; ``safe`` answers only questions the preset lists as safe
(edits in the worktree, reads), never shell commands; ``all`` answers every question the
preset knows how to answer. An answer waits ``delay`` seconds first; if the screen moves after
the question came up (the human typed, or the agent went on), nothing is answered until the
agent stops waiting. Each question is answered once.
"""

from __future__ import annotations

from dataclasses import dataclass

from squadron.core.choices import POLICIES
from squadron.core.detector import PaneSnapshot, safe_to_approve
from squadron.core.presets import Preset
from squadron.core.status import Status, StatusReading


def check_policy(policy: str) -> str:
    if policy not in POLICIES:
        raise ValueError(f"unknown auto-approve policy '{policy}' (use {', '.join(POLICIES)})")
    return policy


def question_line(screen: str) -> str:
    """The last non-empty line of the screen: what the agent is asking, for the history."""
    lines = [line.strip(" │┃") for line in screen.splitlines() if line.strip(" │┃")]
    return lines[-1][:160] if lines else ""


@dataclass
class _Pending:
    screen: str
    due: float


class AutoApprover:
    """One task's auto-approve state across monitor ticks."""

    def __init__(self, delay: float = 0.6) -> None:
        self.delay = delay
        self._pending: _Pending | None = None
        self._answered: str | None = None
        self._cancelled = False
        self._asked: str | None = None  # the screen when the question came up

    @property
    def armed(self) -> bool:
        """An answer is pending its delay (the caller should look again soon)."""
        return self._pending is not None

    def consider(
        self,
        preset: Preset,
        policy: str,
        unattended: bool,
        reading: StatusReading,
        snap: PaneSnapshot | None,
        now: float,
    ) -> bool:
        """True when squadron should answer the question on screen now."""
        if reading.status != Status.WAITING or snap is None or snap.dead:
            self._pending, self._answered, self._cancelled = None, None, False
            self._asked = None
            return False
        if self._asked is None:
            self._asked = snap.screen
        elif self._answered is None and snap.screen != self._asked:
            # the screen moved since the question came up: someone is answering it
            self._pending, self._cancelled = None, True
        if policy == "off" or not unattended or not preset.approve_keys or self._cancelled:
            self._pending = None
            return False
        if snap.screen == self._answered:
            return False  # answered already; wait for the agent to move on
        if policy == "safe" and not safe_to_approve(preset, snap):
            self._pending = None
            return False
        if self._pending is None:
            self._pending = _Pending(snap.screen, now + self.delay)
            return False
        if now < self._pending.due:
            return False
        self._pending, self._answered = None, snap.screen
        return True
