"""The task list: one row per task with status, title, agent, mode, +/- and time in status."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, ListItem, ListView

from squadron.core.naming import first_line
from squadron.core.status import Status
from squadron.core.task import Mode, Task

GLYPHS = {
    Status.STARTING: "◌",
    Status.WORKING: "●",
    Status.WAITING: "◆",
    Status.IDLE: "○",
    Status.EXITED: "✕",
    Status.LOST: "?",
}


def since(seconds: float) -> str:
    """A short age: ``12s``, ``4m``, ``3h``, ``2d``."""
    seconds = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def matches(task: Task, query: str) -> bool:
    """Does the filter text match the task's id, title, agent, status, stage or branch?"""
    q = query.strip().lower()
    if not q:
        return True
    hay = " ".join(
        (
            task.id,
            task.title,
            task.agent,
            task.status_label,
            task.stage.value,
            task.mode.value,
            task.branch,
        )
    ).lower()
    return all(word in hay for word in q.split())


class TaskRow(ListItem):
    """Two lines: ``◆ waiting  t2 Title`` and ``claude · ⚑ conductor · +3 -1 · 2m``."""

    def __init__(self, task: Task, checking: bool = False) -> None:
        super().__init__(id=f"row-{task.id}")
        self.task_data = task
        self.checking = checking
        self._head = Label(classes="row-head")
        self._meta = Label(classes="row-meta")

    def compose(self) -> ComposeResult:
        yield self._head
        yield self._meta

    def on_mount(self) -> None:
        self.update_task(self.task_data)

    def update_task(self, task: Task, now: float | None = None) -> None:
        self.task_data = task
        for status in Status:
            self.set_class(task.status == status, f"status-{status.value}")
        self.set_class(task.mode == Mode.CONDUCTOR, "conductor")
        self.set_class(task.stage.value in ("merged", "archived"), "done")
        head = Text()
        head.append(f"{GLYPHS[task.status]} {task.status_label:<9}", style="bold")
        head.append(f"{task.id} ", style="dim")
        head.append(first_line(task.title, 60))
        self._head.update(head)
        meta = [task.agent]
        if task.mode == Mode.CONDUCTOR:
            meta.append("⚑ conductor")
        if task.stage.value != "running":
            meta.append(task.stage.value)
        meta.append(f"+{task.added} -{task.removed}")
        if self.checking:
            meta.append("… check")
        elif task.check is not None:
            meta.append("✓ check" if task.check.ok else "✗ check")
        if task.comments:
            meta.append(f"✎ {len(task.comments)}")
        meta.append(since((now or time.time()) - (task.status_since or task.created_at)))
        self._meta.update(" · ".join(meta))


class Sidebar(Vertical):
    """The filter box and the task list. Posts ``Sidebar.Selected`` when the cursor moves."""

    class Selected(Message):
        def __init__(self, task_id: str | None) -> None:
            super().__init__()
            self.task_id = task_id

    def __init__(self) -> None:
        super().__init__(id="sidebar")
        self.tasks: list[Task] = []
        self.query_text = ""
        self.checking: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter tasks…", id="filter")
        yield ListView(id="task-list")
        yield Label("no tasks yet — press n to create one", id="empty")

    @property
    def list_view(self) -> ListView:
        return self.query_one("#task-list", ListView)

    @property
    def selected_id(self) -> str | None:
        item = self.list_view.highlighted_child
        return item.task_data.id if isinstance(item, TaskRow) else None

    def shown_tasks(self) -> list[Task]:
        return [t for t in self.tasks if matches(t, self.query_text)]

    async def set_tasks(self, tasks: list[Task]) -> None:
        """Show ``tasks``: rows are updated in place, added or removed; the cursor stays."""
        self.tasks = tasks
        await self._sync()

    async def _sync(self) -> None:
        wanted = self.shown_tasks()
        view = self.list_view
        rows = {row.task_data.id: row for row in view.query(TaskRow)}
        keep = [t.id for t in wanted]
        current = [r.task_data.id for r in view.query(TaskRow)]
        selected = self.selected_id
        now = time.time()
        if current == keep:
            for task in wanted:
                rows[task.id].checking = task.id in self.checking
                rows[task.id].update_task(task, now)
        else:
            await view.clear()
            await view.extend(TaskRow(t, t.id in self.checking) for t in wanted)
            if selected in keep:
                view.index = keep.index(selected)
            elif keep:
                view.index = 0
        self.query_one("#empty", Label).display = not wanted
        if self.selected_id != selected:
            self.post_message(self.Selected(self.selected_id))

    def tick_ages(self) -> None:
        now = time.time()
        for row in self.list_view.query(TaskRow):
            row.update_task(row.task_data, now)

    def open_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    async def on_input_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        await self._sync()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.list_view.focus()

    def close_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.value:
            box.value = ""
        box.display = False
        self.list_view.focus()

    def on_list_view_highlighted(self, event: ListView.Highlighted) -> None:
        event.stop()
        item = event.item
        self.post_message(self.Selected(item.task_data.id if isinstance(item, TaskRow) else None))

    def select(self, task_id: str) -> None:
        ids = [r.task_data.id for r in self.list_view.query(TaskRow)]
        if task_id in ids:
            self.list_view.index = ids.index(task_id)
