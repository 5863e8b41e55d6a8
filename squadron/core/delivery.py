"""Verified delivery: when squadron may type into an agent, and whether the agent took it. Pure.

squadron types text (a first prompt, a message, a review round…) only into a steady ready
prompt, confirms the text showed in the agent's input area before pressing Enter, and confirms
the agent took it after. A question that appears on the way stops the delivery before Enter;
once the user has answered it, the delivery starts again from the top (the text already in the
input box is not typed twice). Start-up questions are never answered here: they are the user's.

:class:`Delivery` is fed the pane as the supervisor last read it, once per tick, and answers
with the next :class:`Step`; the supervisor performs it (typing, Enter) and records it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from squadron.core.detector import PaneSnapshot, classify, is_ready, split_screen
from squadron.core.presets import Preset
from squadron.core.status import Status
from squadron.core.text import one_line

# How long each confirmation may take before squadron acts (or gives up).
SHOW_TIMEOUT = 3.0  # the typed text appears in the input area
TAKE_RETRY = 1.2  # no reaction to Enter: press it once more (an Enter read as part of a paste)
TAKE_TIMEOUT = 4.0  # no reaction at all: report it
PREFIX = 16  # characters of the text looked for on screen
PASTED = 200  # longer (or multi-line) text may show as a placeholder ("[Pasted text #1]")

_SPACE = re.compile(r"\s+")
_FRAME = " │┃║|"


class Action(StrEnum):
    WAIT = "wait"
    TYPE = "type"
    ENTER = "enter"
    DONE = "done"
    FAIL = "fail"


@dataclass(frozen=True)
class Step:
    action: Action
    note: str = ""  # why squadron waits, or why it failed: one line for the user


class Phase(StrEnum):
    READY = "ready"  # waiting for a steady ready prompt
    SHOWN = "shown"  # typed; waiting to see the text in the input area
    TAKEN = "taken"  # Enter pressed; waiting for the agent to take it


def _squash(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def question_text(preset: Preset, screen: str) -> str:
    """The question an agent asks, for the user: the last line holding a ``?`` where waiting
    is read, else the last non-empty line there."""
    parts = split_screen(preset, screen)
    lines = [ln.strip(_FRAME) for ln in parts.live.splitlines()]
    lines = [ln for ln in lines if ln.strip()]
    asked = [ln for ln in lines if "?" in ln]
    chosen = (asked or lines or [""])[-1]
    return one_line(_squash(chosen))[:160]


def input_area(preset: Preset, screen: str) -> str:
    """Where text typed into the agent shows: the input box (from its first line, plus
    ``input_lines_above``) down, or the last non-empty line for line-mode programs."""
    parts = split_screen(preset, screen)
    if not parts.has_box:
        lines = [ln for ln in parts.text.splitlines() if ln.strip()]
        return lines[-1] if lines else ""
    above = (
        parts.above.splitlines()[-preset.input_lines_above :] if preset.input_lines_above else []
    )
    return "\n".join([*above, parts.live])


class Delivery:
    """One text on its way into one agent."""

    def __init__(
        self,
        preset: Preset,
        text: str,
        first: bool,
        resumed: bool = False,
        patience: float = 30.0,
    ) -> None:
        self.preset = preset
        self.text = text
        self.patience = patience  # after this long with no prompt, say so (and keep waiting)
        self._started: float | None = None
        self.settle = max(preset.settle, preset.startup_settle) if first else preset.settle
        lines = [ln for ln in text.splitlines() if ln.strip()]
        self.prefix = _squash(lines[0])[:PREFIX] if lines else ""
        self.pasted = len(lines) > 1 or len(text) > PASTED
        self.phase = Phase.READY
        self.resumed = resumed  # typed before (interrupted, or by a previous supervisor)
        self._screen: str | None = None
        self._steady_since = 0.0
        self._area = ""  # the input area before typing, then when Enter was pressed
        self._count = 0  # how often the prefix showed in it then
        self._since = 0.0  # when the current phase began
        self._typed_at = 0.0
        self._entered = 0
        self._loose = False

    # -- reading the input area -------------------------------------------------------------
    def _shows(self, area: str) -> int:
        return _squash(area).count(self.prefix) if self.prefix else 0

    def in_box(self, screen: str) -> bool:
        """The text (its first characters) is in the agent's input area now."""
        return self._shows(input_area(self.preset, screen)) > 0

    # -- stepping ---------------------------------------------------------------------------
    def step(self, snap: PaneSnapshot | None, now: float) -> Step:
        if snap is None:
            return Step(Action.FAIL, "its tmux session is gone")
        if snap.dead:
            if self.phase is Phase.TAKEN:
                return Step(Action.DONE)  # it took the text, then ended (e.g. "/exit")
            return Step(Action.FAIL, "the agent has exited")
        if self._started is None:
            self._started = now
        if snap.screen != self._screen:
            self._screen, self._steady_since = snap.screen, now
        reading = classify(self.preset, snap)
        status = reading.status if reading is not None else None
        if self.phase is Phase.READY:
            return self._ready(snap, status, now)
        if self.phase is Phase.SHOWN:
            return self._shown(snap, status, now)
        return self._taken(snap, status, now)

    def _asking(self, snap: PaneSnapshot) -> Step:
        self.phase, self.resumed = Phase.READY, True
        question = question_text(self.preset, snap.screen)
        return Step(Action.WAIT, f"the agent asks: {question}; it is yours to answer")

    def _ready(self, snap: PaneSnapshot, status: Status | None, now: float) -> Step:
        if status is Status.WAITING:
            return self._asking(snap)
        area = input_area(self.preset, snap.screen)
        # typed before (a question came, or another supervisor stopped) and still in the
        # box: only Enter is missing (a box holding text may not read as "ready")
        in_box = self.resumed and status is not Status.WORKING and self._shows(area) > 0
        if not in_box and not is_ready(self.preset, snap):
            if status is Status.WORKING:
                return Step(Action.WAIT, "the agent is busy")
            if self._started is not None and now - self._started > self.patience:
                return Step(
                    Action.WAIT,
                    f"the agent has not shown its input prompt for {self.patience:g}s (is "
                    "it asking something its preset does not know? answer with send --key)",
                )
            return Step(Action.WAIT, "waiting for its prompt")
        if now - self._steady_since < self.settle:
            return Step(Action.WAIT, "waiting for its prompt to settle")
        self._since = now
        if in_box:
            self.phase, self._area, self._entered = Phase.TAKEN, area, 1
            return Step(Action.ENTER)
        self.phase, self._area, self._count = Phase.SHOWN, area, self._shows(area)
        # Long or multi-line text may show as a placeholder, and a line-mode program wraps a
        # long line: there, any change of the input area is the text showing.
        self._loose = self.pasted or not split_screen(self.preset, snap.screen).has_box
        self._typed_at = now
        return Step(Action.TYPE)

    def _shown(self, snap: PaneSnapshot, status: Status | None, now: float) -> Step:
        if status is Status.WAITING:
            return self._asking(snap)  # never press Enter into a question
        area = input_area(self.preset, snap.screen)
        seen = self._shows(area) > self._count or (self._loose and area != self._area)
        if seen and now - self._typed_at >= self.preset.submit_delay:
            self.phase, self._area, self._since, self._entered = Phase.TAKEN, area, now, 1
            return Step(Action.ENTER)
        if not seen and now - self._since > SHOW_TIMEOUT:
            return Step(Action.FAIL, "typed, but the text did not show in its input box")
        return Step(Action.WAIT, "typing")

    def _taken(self, snap: PaneSnapshot, status: Status | None, now: float) -> Step:
        if status in (Status.WORKING, Status.WAITING):
            return Step(Action.DONE)
        area = input_area(self.preset, snap.screen)
        if area != self._area and (self.pasted or self._shows(area) == 0):
            return Step(Action.DONE)  # the input box let go of the text
        if now - self._since > TAKE_TIMEOUT:
            return Step(Action.FAIL, "the text is in its input box but the agent did not take it")
        if self._entered < 2 and now - self._since > TAKE_RETRY and area == self._area:
            self._entered += 1
            return Step(Action.ENTER)
        return Step(Action.WAIT, "submitted")
