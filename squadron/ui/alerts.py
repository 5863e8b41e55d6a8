"""Tell the user when a task needs them: a toast at once, then bell and desktop notification.

The supervisor raises alerts (and escalates them after ``notifications.delay`` seconds if the
task is still in that state); the TUI follows its journal and renders them.
"""

from __future__ import annotations

import re

from textual.app import App

from squadron.adapters.config import Notifications
from squadron.core.status import Status
from squadron.core.text import clean

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def desktop_sequence(kind: str, text: str) -> str:
    """The terminal escape for a desktop notification; text is stripped of control bytes."""
    clean = _CONTROL.sub(" ", text)[:200]
    if kind == "osc9":
        return f"\x1b]9;{clean}\x07"
    if kind == "osc777":
        return f"\x1b]777;notify;squadron;{clean.replace(';', ',')}\x07"
    return ""


class Notifier:
    """Shows the supervisor's alerts: a toast when one is raised, then the bell and the
    terminal's desktop notification (OSC 9 / 777) when it escalates. The supervisor decides
    (once per transition, with the configured delay); this only renders what needs the
    terminal, which the supervisor does not have."""

    def __init__(self, app: App[object], settings: Notifications) -> None:
        self.app = app
        self.settings = settings
        self.escalated: list[str] = []

    def show(self, record: dict[str, object]) -> None:
        text = clean(str(record.get("text", "")))
        if record.get("kind") == "alert":
            waiting = record.get("status") == Status.WAITING.value
            self.app.notify(
                text,
                title="squadron",
                timeout=8,
                markup=False,
                severity="warning" if waiting else "information",
            )
        elif record.get("kind") == "escalate":
            self.escalate(text)

    def escalate(self, text: str) -> None:
        self.escalated.append(text)
        if self.settings.bell:
            self.app.bell()
        kind = self.settings.desktop
        if kind in ("osc9", "osc777"):
            driver = self.app._driver  # Textual has no public raw-write; bell() uses the same
            if driver is not None and not self.app.is_headless:
                driver.write(desktop_sequence(kind, text))
