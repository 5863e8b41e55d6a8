"""Which status changes deserve the user's attention: one alert per transition.

A task alerts when it starts waiting for the human, or goes idle with changes to review. The
same transition (task, status, time it began) never alerts twice, however often the task list
is refreshed.
"""

from __future__ import annotations

from dataclasses import dataclass

from squadron.core.naming import first_line
from squadron.core.status import Status
from squadron.core.task import Mode, Stage, Task


@dataclass(frozen=True)
class Alert:
    task_id: str
    status: Status
    since: float
    text: str


def _deserves(task: Task) -> str | None:
    if task.stage != Stage.RUNNING or task.mode == Mode.CONDUCTOR:
        return None  # a human is already at the pane, or the task is done
    title = first_line(task.title, 50)
    if task.status == Status.WAITING:
        asks = f" (asks: {first_line(task.question, 80)})" if task.question else ""
        return f"{task.id} is waiting for you: {title}{asks}"
    if task.status == Status.IDLE and (task.added or task.removed):
        return f"{task.id} is ready for review (+{task.added} -{task.removed}): {title}"
    return None


class AlertTracker:
    def __init__(self) -> None:
        self._done: set[tuple[str, Status, float]] = set()
        self._primed = False

    def check(self, tasks: list[Task]) -> list[Alert]:
        """Alerts for transitions not alerted yet. The first call only records the present:
        opening squadron does not replay what happened while it was closed."""
        out = []
        for task in tasks:
            text = _deserves(task)
            key = (task.id, task.status, task.status_since)
            if text is None or key in self._done:
                continue
            self._done.add(key)
            if self._primed:
                out.append(Alert(task.id, task.status, task.status_since, text))
        self._primed = True
        return out

    @staticmethod
    def still_current(alert: Alert, task: Task | None) -> bool:
        """Is the alerted transition still the task's present state (worth escalating)?"""
        return (
            task is not None
            and task.status == alert.status
            and task.status_since == alert.since
            and _deserves(task) is not None
        )
