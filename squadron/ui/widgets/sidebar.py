"""The task list: one row per task with status, title, agent, mode, +/- and time in status.

All rows live in one Line-API widget (an ``OptionList``), not a widget per row: with a hundred
tasks, moving the focus or re-laying out the screen stays cheap. Colours come from theme
variables (``$status-waiting`` and friends). Titles and agent names are data: they go into the
rows as plain ``Content`` parts, control characters shown as symbols (see :mod:`.plain`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from squadron.core.status import Status
from squadron.core.task import Mode, Task
from squadron.ui.widgets.plain import line

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


def meta_line(task: Task, checking: bool, now: float) -> str:
    """``claude · ⚑ conductor · +3 -1 · ✓ check · ✎ 2 · 4m``"""
    meta = [line(task.agent)]
    if task.mode == Mode.CONDUCTOR:
        meta.append("⚑ conductor")
    if task.stage.value != "running":
        meta.append(task.stage.value)
    meta.append(f"+{task.added} -{task.removed}")
    if checking:
        meta.append("… check")
    elif task.check is not None:
        meta.append("✓ check" if task.check.ok else "✗ check")
    if task.comments:
        meta.append(f"✎ {len(task.comments)}")
    if task.pending():
        meta.append(f"✉ {len(task.pending())}")  # queued for the supervisor to type
    if task.problem:
        meta.append("! problem")
    meta.append(since(now - (task.status_since or task.created_at)))
    return " · ".join(meta)


def row_content(task: Task, checking: bool, now: float, provenance: bool = False) -> Content:
    """Two lines: ``◆ waiting  t2 Title`` in the status colour, then the meta line.

    With ``provenance`` the status says where it came from: ``◆ waiting·hook``."""
    status = task.status.value
    label = f"{task.status_label}·{task.provenance.value}" if provenance else task.status_label
    width = 18 if provenance else 9
    head = Content.assemble(
        (f"{GLYPHS[task.status]} {label:<{width}}", f"bold $status-{status}"),
        (f"{task.id} ", "dim"),
        (line(task.title, 60), "$text" if task.stage.value == "running" else "dim"),
    )
    meta_style = "$accent" if task.mode == Mode.CONDUCTOR else "$text-muted"
    meta = Content.styled("  " + meta_line(task, checking, now), meta_style)
    return Content("\n").join([head, meta])


@dataclass(frozen=True)
class RowView:
    """What one row shows, for tests and tools: the task, its classes, its plain text."""

    task_data: Task
    classes: frozenset[str]
    text: str


class TaskList(OptionList):
    """The rows. ``index`` is the highlighted row (ListView's name for it)."""

    DEFAULT_CSS = """
    TaskList { border: none; padding: 0; }
    TaskList:focus { border: none; }
    """

    @property
    def index(self) -> int | None:
        return self.highlighted

    @index.setter
    def index(self, value: int | None) -> None:
        self.highlighted = value


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
        self.provenance = False  # show where each status came from
        self._shown: list[Task] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter tasks…", id="filter")
        yield TaskList(id="task-list")
        yield Label("no tasks yet — press n to create one", id="empty")

    @property
    def list_view(self) -> TaskList:
        return self.query_one("#task-list", TaskList)

    @property
    def selected_id(self) -> str | None:
        index = self.list_view.highlighted
        if index is None or not 0 <= index < len(self._shown):
            return None
        return self._shown[index].id

    def shown_tasks(self) -> list[Task]:
        return [t for t in self.tasks if matches(t, self.query_text)]

    def rows(self) -> list[RowView]:
        now = time.time()
        out = []
        for task in self._shown:
            classes = {f"status-{task.status.value}"}
            if task.mode == Mode.CONDUCTOR:
                classes.add("conductor")
            if task.stage.value in ("merged", "archived"):
                classes.add("done")
            text = row_content(task, task.id in self.checking, now, self.provenance).plain
            out.append(RowView(task, frozenset(classes), text))
        return out

    async def set_tasks(self, tasks: list[Task]) -> None:
        """Show ``tasks``: rows are updated in place, added or removed; the cursor stays."""
        self.tasks = tasks
        self._sync()

    def _sync(self) -> None:
        wanted = self.shown_tasks()
        view = self.list_view
        selected = self.selected_id
        now = time.time()
        if [t.id for t in wanted] == [t.id for t in self._shown]:
            self._shown = wanted
            for task in wanted:
                view.replace_option_prompt(
                    task.id, row_content(task, task.id in self.checking, now, self.provenance)
                )
        else:
            self._shown = wanted
            view.clear_options()
            view.add_options(
                Option(row_content(t, t.id in self.checking, now, self.provenance), id=t.id)
                for t in wanted
            )
            ids = [t.id for t in wanted]
            if selected in ids:
                view.highlighted = ids.index(selected)
            elif ids:
                view.highlighted = 0
        self.query_one("#empty", Label).display = not wanted
        if self.selected_id != selected:
            self.post_message(self.Selected(self.selected_id))

    def toggle_provenance(self) -> None:
        self.provenance = not self.provenance
        self.tick_ages()

    def tick_ages(self) -> None:
        now = time.time()
        for task in self._shown:
            self.list_view.replace_option_prompt(
                task.id, row_content(task, task.id in self.checking, now, self.provenance)
            )

    def open_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        self._sync()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.list_view.focus()

    def close_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.value:
            box.value = ""
        box.display = False
        self.list_view.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.post_message(self.Selected(event.option.id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()

    def select(self, task_id: str) -> None:
        ids = [t.id for t in self._shown]
        if task_id in ids:
            self.list_view.highlighted = ids.index(task_id)
