"""Messages the UI's workers and the status monitor post to the app."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.message import Message

from squadron.core.diffparse import FileDiff
from squadron.core.task import Task


class TasksUpdated(Message):
    """Tasks changed (status, new or removed tasks); ``vanished``: tasks whose state file
    disappeared without squadron removing them."""

    def __init__(
        self, tasks: list[Task] | None, changed: tuple[str, ...], vanished: tuple[str, ...] = ()
    ) -> None:
        super().__init__()
        self.tasks = tasks
        self.changed = changed
        self.vanished = vanished


class AlertsArrived(Message):
    """The supervisor raised alerts (records from its journal)."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        super().__init__()
        self.records = records


class PreviewUpdated(Message):
    """The focused task's pane changed: its screen with colours and some history, already
    turned into Rich text on the monitor's thread (the UI thread only paints it)."""

    def __init__(self, task_id: str, screen: Text) -> None:
        super().__init__()
        self.task_id = task_id
        self.screen = screen

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PreviewUpdated) and message.task_id == self.task_id


class ActionDone(Message):
    """A background action finished; ``text`` is shown as a notification."""

    def __init__(self, text: str, reload: bool = True) -> None:
        super().__init__()
        self.text = text
        self.reload = reload


class DiffLoaded(Message):
    """A diff finished loading (and parsing) in a worker; only the latest selection is shown."""

    def __init__(
        self,
        task_id: str,
        text: str,
        error: str = "",
        files: list[FileDiff] | None = None,
        viewed: set[str] | None = None,
    ) -> None:
        super().__init__()
        self.task_id = task_id
        self.text = text
        self.error = error
        self.files = files or []
        self.viewed = viewed or set()
