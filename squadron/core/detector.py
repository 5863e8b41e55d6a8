"""What an agent's pane says about its status: pure screen reading plus a per-task tracker.

``classify`` reads one snapshot with the preset's patterns (waiting outranks working; working
is read only above the agent's input box, or in status lines the preset names under it).
``StatusTracker`` layers hook events, screen verdicts and output activity over time, with the
hysteresis that keeps a task from flapping to idle mid-turn and marks a silent one as stalled.

Feeding the tracker: call ``observe(snap, changed, now)`` once per tick per task, with ``now``
from one clock (monotonic or wall, never mixed) and ``changed`` true when the captured screen
text (or title) differs from the previous capture. Compare text, not tmux's activity flag:
agents redraw identical frames. When a pane was not re-captured, pass the previous snapshot
with ``changed=False, fresh=False``; pass ``None`` when the tmux session is gone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from squadron.core.presets import SHELL_PROGRAMS, Preset, program_name
from squadron.core.status import Provenance, Status, StatusReading


@dataclass(frozen=True)
class PaneSnapshot:
    """One look at a pane: its visible text and the cheap facts tmux gives about it."""

    screen: str  # visible pane text, lines joined with "\n", no escape codes
    title: str = ""  # #{pane_title}
    current_command: str = ""  # #{pane_current_command}
    dead: bool = False  # #{pane_dead}
    exit_status: int | None = None  # #{pane_dead_status}


@dataclass(frozen=True)
class ScreenParts:
    """A normalised screen split at the agent's input box.

    ``above`` is the text before the box's first line and ``live`` the box and everything
    under it; with no box visible both are the whole screen.
    """

    text: str
    above: str
    live: str
    has_box: bool


# -- pure reading ----------------------------------------------------------------------------


@lru_cache(maxsize=2048)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.MULTILINE)


def _found(patterns: tuple[str, ...], text: str) -> bool:
    return any(_regex(p).search(text) for p in patterns)


def normalise_screen(screen: str) -> str:
    """Trailing spaces cut from each line, trailing blank lines dropped (``\\Z`` = last line)."""
    lines = [line.rstrip() for line in screen.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def split_screen(preset: Preset, screen: str) -> ScreenParts:
    """Split the screen at the start of the line holding the last ``input_box`` match."""
    text = normalise_screen(screen)
    starts = [m.start() for p in preset.input_box for m in _regex(p).finditer(text)]
    if not starts:
        return ScreenParts(text, text, text, has_box=False)
    top = text.rfind("\n", 0, max(starts)) + 1
    return ScreenParts(text, text[:top], text[top:], has_box=True)


def _screen_waiting(preset: Preset, parts: ScreenParts) -> bool:
    return _found(preset.waiting, parts.live)


def _screen_working(preset: Preset, parts: ScreenParts) -> bool:
    return _found(preset.working, parts.above) or (
        parts.has_box and _found(preset.working_footer, parts.live)
    )


def _status_of(preset: Preset, parts: ScreenParts, title: str) -> Status | None:
    """The status the screen and title show, strongest first, or None."""
    if _screen_waiting(preset, parts) or _found(preset.title_waiting, title):
        return Status.WAITING
    if _screen_working(preset, parts) or _found(preset.title_working, title):
        return Status.WORKING
    if (
        _found(preset.ready, parts.text)
        or _found(preset.idle, parts.text)
        or _found(preset.title_idle, title)
    ):
        return Status.IDLE
    return None


def classify(preset: Preset, snap: PaneSnapshot) -> StatusReading | None:
    """The status one snapshot shows, or None when the screen says nothing recognisable.

    Dead pane: exited (process, exit code kept). Blank screen: starting, never idle. An agent
    whose pane shows a shell in the foreground has exited back to the shell it was started
    from: exited too (exit code unknown). Then waiting (screen, then title) outranks working
    (screen above the box, footer, title), which outranks idle (ready prompt, idle markers,
    title). Title readings count as screen.
    """
    if snap.dead:
        return StatusReading(Status.EXITED, Provenance.PROCESS, exit_code=snap.exit_status)
    parts = split_screen(preset, snap.screen)
    if not parts.text.strip():
        return StatusReading(Status.STARTING, Provenance.SCREEN)
    if back_at_a_shell(preset, snap):
        return StatusReading(Status.EXITED, Provenance.PROCESS)
    status = _status_of(preset, parts, snap.title.strip())
    return None if status is None else StatusReading(status, Provenance.SCREEN)


def back_at_a_shell(preset: Preset, snap: PaneSnapshot) -> bool:
    """An agent preset's pane runs a shell, not the agent: the agent has exited to it."""
    command = program_name(snap.current_command)
    return (
        not preset.activity_only
        and command in SHELL_PROGRAMS
        and command not in preset.programs
        and not snap.dead
    )


def is_ready(preset: Preset, snap: PaneSnapshot) -> bool:
    """The agent shows its input prompt and is neither working nor asking: safe to type.

    For presets without ``ready`` patterns (``shell``): the pane shows something and, when the
    preset lists ``idle_programs``, one of them is in the foreground (or tmux did not say).
    The caller should also let such output settle before typing.
    """
    if snap.dead or back_at_a_shell(preset, snap):
        return False
    parts = split_screen(preset, snap.screen)
    if not parts.text.strip():
        return False
    if _status_of(preset, parts, snap.title.strip()) in (Status.WAITING, Status.WORKING):
        return False
    if preset.ready:
        return _found(preset.ready, parts.text)
    command = program_name(snap.current_command)
    return not (preset.idle_programs and command) or command in preset.idle_programs


def safe_to_approve(preset: Preset, snap: PaneSnapshot) -> bool:
    """The agent asks, on screen, a question the "safe" auto-approve policy may answer.

    Only questions shown where ``waiting`` is read count (never history); the caller answers
    with ``preset.approve_keys`` once, then waits for the screen to move on.
    """
    if snap.dead or not preset.approve_keys or not preset.safe_approve:
        return False
    parts = split_screen(preset, snap.screen)
    return _screen_waiting(preset, parts) and _found(preset.safe_approve, parts.live)


# -- over time -------------------------------------------------------------------------------


class StatusTracker:
    """One task's status over time: hooks, then screen, then activity, with hysteresis.

    - A hook event wins until a newer one arrives, the pane dies, the screen shows a waiting
      marker, or (after ``hook_grace`` seconds) the screen shows another state steadily for
      ``debounce`` seconds: Codex only reports turn ends, and Claude fires no ``Stop`` when
      the user interrupts a turn. Activity never overrides a hook.
    - Screen waiting, working and starting count at once. Idle read from the screen needs a
      second fresh reading that agrees (a capture taken mid-redraw shows no spinner for a
      moment); the caller takes it soon after the first (``idle_pending``), so a recognised
      idle screen is reported within a fraction of a second.
    - With no screen verdict: output changing is working; unchanged for ``debounce`` seconds
      is idle on the second such reading, at once when one of ``preset.idle_programs`` (a
      shell) is in the foreground.
    - After squadron submits an instruction (``expect_work``), idle is not believed for
      ``submit_grace`` seconds unless the agent was seen working: between Enter and its
      first busy frame an agent looks idle.
    - Working with no output change for ``stall_after`` seconds is marked unsure (stalled).
    """

    def __init__(
        self,
        preset: Preset,
        debounce: float = 1.5,
        stall_after: float = 120.0,
        hook_grace: float = 3.0,
        submit_grace: float | None = None,
    ) -> None:
        self._classified: tuple[PaneSnapshot | None, StatusReading | None] = (None, None)
        self.preset = preset
        self.debounce = debounce
        self.stall_after = stall_after
        self.hook_grace = hook_grace
        self.submit_grace = preset.submit_grace if submit_grace is None else submit_grace
        self._expect_until: float | None = None  # an instruction was just submitted
        self._hook: tuple[Status, float] | None = None  # latest hook event and its time
        self._disagree_since: float | None = None  # screen has contradicted the hook since
        self._last_change: float | None = None  # when the output last changed
        self._seen_output = False  # a non-blank screen has been observed
        self._idle_votes = 0  # consecutive readings that looked idle
        self._idle_first = 0.0  # time of the first of them
        self._base = StatusReading(Status.STARTING, Provenance.ACTIVITY)  # without hooks
        self._current = self._base
        self._fresh = True
        self._working_since: float | None = None

    @property
    def current(self) -> StatusReading:
        """The last reading ``observe`` returned."""
        return self._current

    @property
    def last_change(self) -> float | None:
        """When the pane's output last changed (None before the first observation)."""
        return self._last_change

    def working_for(self, now: float) -> float:
        """Seconds the tracker has read working without a break (0 when it is not)."""
        if self._current.status is not Status.WORKING:
            self._working_since = None
            return 0.0
        if self._working_since is None:
            self._working_since = now
        return now - self._working_since

    @property
    def idle_pending(self) -> bool:
        """An idle screen was read once and waits for a second, confirming reading."""
        return self._idle_votes > 0 and self._current.status is not Status.IDLE

    def seed(self, reading: StatusReading, screen: str, now: float) -> None:
        """Start from a status recorded earlier (a restarted supervisor): an unchanged pane
        keeps it, with no flicker back to starting or working."""
        self._base = self._current = reading
        self._seen_output = bool(screen.strip())
        settled = reading.status in (Status.IDLE, Status.WAITING, Status.EXITED)
        self._last_change = now - self.debounce if settled else now
        self._idle_votes = 2 if reading.status is Status.IDLE else 0

    def expect_work(self, now: float) -> None:
        """squadron has just submitted an instruction: the agent is about to work."""
        self._expect_until = now + self.submit_grace

    def hook(self, event_status: Status, now: float) -> None:
        """Record what the agent's hook said at ``now`` (older events than the last are ignored)."""
        if self._hook is not None and now < self._hook[1]:
            return
        self._hook = (event_status, now)
        self._disagree_since = None

    def observe(
        self, snap: PaneSnapshot | None, changed: bool, now: float, fresh: bool = True
    ) -> StatusReading:
        """Take one look at the pane and return the status to show. ``fresh``: ``snap`` was
        captured for this call (not the previous capture passed again)."""
        self._fresh = fresh
        reading = self._observe(snap, changed, now)
        self._current = self._expected(reading, now)
        return self._current

    def _expected(self, reading: StatusReading, now: float) -> StatusReading:
        """Hold working just after a submitted instruction, until the agent shows it works."""
        if self._expect_until is None:
            return reading
        if reading.status is Status.WORKING or now >= self._expect_until:
            self._expect_until = None
            return reading
        if reading.status is Status.IDLE and reading.provenance is not Provenance.HOOK:
            self._idle_votes = 0
            return StatusReading(Status.WORKING, Provenance.ACTIVITY)
        return reading

    def _observe(self, snap: PaneSnapshot | None, changed: bool, now: float) -> StatusReading:
        if snap is None or snap.dead:
            self._hook = None
            self._idle_votes = 0
            if snap is None:
                self._base = StatusReading(Status.LOST, Provenance.PROCESS)
            else:
                self._base = StatusReading(
                    Status.EXITED, Provenance.PROCESS, exit_code=snap.exit_status
                )
            return self._base
        if changed or self._last_change is None:
            self._last_change = now
        if snap is not self._classified[0]:  # the monitor passes the same snapshot while
            self._classified = (snap, classify(self.preset, snap))  # the pane is unchanged
        verdict = self._classified[1]
        first = not self._seen_output and verdict is None
        self._seen_output = self._seen_output or bool(snap.screen.strip())
        self._base = self._without_hook(snap, verdict, first, now)
        reading = self._from_hook(verdict, now) or self._base
        return self._stalled(reading, now)

    def _without_hook(
        self, snap: PaneSnapshot, verdict: StatusReading | None, first: bool, now: float
    ) -> StatusReading:
        """The screen's verdict, else activity, with idle hysteresis."""
        settled = self._last_change is not None and now - self._last_change >= self.debounce
        if verdict is not None and verdict.status is Status.STARTING:
            if self._base.status in (Status.STARTING, Status.LOST, Status.EXITED):
                self._idle_votes = 0
                return verdict
            verdict = None  # a blank frame mid-session is no news: go by activity
        if verdict is not None and verdict.status is not Status.IDLE:
            self._idle_votes = 0
            return verdict
        if verdict is not None:  # the screen says idle
            return self._idle_vote(now, settled, Provenance.SCREEN)
        if not settled:
            self._idle_votes = 0
            if first:  # the first output: no activity to judge yet
                return self._base
            return StatusReading(Status.WORKING, Provenance.ACTIVITY)
        if (
            self.preset.idle_programs
            and program_name(snap.current_command) in self.preset.idle_programs
        ):
            self._idle_votes = max(self._idle_votes, 1)
            return StatusReading(Status.IDLE, Provenance.PROCESS)
        return self._idle_vote(now, settled, Provenance.ACTIVITY)

    def _idle_vote(self, now: float, settled: bool, provenance: Provenance) -> StatusReading:
        """Count one idle-looking reading. From the screen: idle once two fresh readings
        agree. From activity: once two agree over ``debounce`` seconds."""
        if self._idle_votes == 0:
            self._idle_first = now
        if self._fresh or provenance is Provenance.ACTIVITY:
            self._idle_votes += 1
        steady = provenance is Provenance.SCREEN or settled
        steady = steady or now - self._idle_first >= self.debounce
        if self._base.status is Status.IDLE or (self._idle_votes >= 2 and steady):
            return StatusReading(Status.IDLE, provenance)
        return self._base

    def _from_hook(self, verdict: StatusReading | None, now: float) -> StatusReading | None:
        """The hook's status while it stands; drops it once the screen contradicts it."""
        if self._hook is None:
            return None
        status, at = self._hook
        seen = verdict.status if verdict is not None else None
        if seen is None or seen is Status.STARTING or seen is status:
            self._disagree_since = None
            return StatusReading(status, Provenance.HOOK)
        if seen is Status.WAITING:
            self._hook = None
            return None
        if now - at >= self.hook_grace:
            if self._disagree_since is None:
                self._disagree_since = now
            elif now - self._disagree_since >= self.debounce:
                self._hook = None
                return None
        return StatusReading(status, Provenance.HOOK)

    def _stalled(self, reading: StatusReading, now: float) -> StatusReading:
        """Mark working as unsure when the output has not changed for ``stall_after``."""
        quiet = self._last_change is not None and now - self._last_change >= self.stall_after
        if reading.status is Status.WORKING and quiet and not reading.unsure:
            return StatusReading(Status.WORKING, reading.provenance, unsure=True)
        return reading
