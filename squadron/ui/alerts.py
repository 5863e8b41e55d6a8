"""Tell the user when a task needs them: a toast at once, then bell and desktop notification.

Escalation (bell, OSC 9/777 or notify-send) waits ``notifications.delay`` seconds and happens
only if the task is still in the state that alerted.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections.abc import Callable

from textual.app import App

from squadron.adapters.config import Notifications
from squadron.core.alerts import Alert, AlertTracker
from squadron.core.status import Status
from squadron.core.task import Task

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
    def __init__(
        self, app: App[object], settings: Notifications, lookup: Callable[[str], Task | None]
    ) -> None:
        self.app = app
        self.settings = settings
        self.lookup = lookup
        self.tracker = AlertTracker()
        self.escalated: list[Alert] = []

    def handle(self, tasks: list[Task]) -> None:
        for alert in self.tracker.check(tasks):
            waiting = alert.status == Status.WAITING
            self.app.notify(
                alert.text,
                title="squadron",
                timeout=8,
                severity="warning" if waiting else "information",
            )
            if self.settings.delay > 0:
                self.app.set_timer(self.settings.delay, lambda a=alert: self._later(a))
            else:
                self.escalate(alert)

    def _later(self, alert: Alert) -> None:
        if AlertTracker.still_current(alert, self.lookup(alert.task_id)):
            self.escalate(alert)

    def escalate(self, alert: Alert) -> None:
        self.escalated.append(alert)
        if self.settings.bell:
            self.app.bell()
        kind = self.settings.desktop
        if kind in ("osc9", "osc777"):
            driver = self.app._driver  # Textual has no public raw-write; bell() uses the same
            if driver is not None and not self.app.is_headless:
                driver.write(desktop_sequence(kind, alert.text))
        elif kind == "notify-send" and shutil.which("notify-send"):
            threading.Thread(
                target=subprocess.run,
                daemon=True,
                args=(["notify-send", "squadron", alert.text],),
                kwargs={"check": False, "capture_output": True},
            ).start()
