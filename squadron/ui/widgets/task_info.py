"""The Task tab: the spec (title, prompt, acceptance criteria) and the task's history.

Everything in it came from a user, an agent or git: it is drawn as Rich ``Text`` (never markup),
with control characters shown as symbols and undecodable bytes replaced (see :mod:`.plain`).
"""

from __future__ import annotations

import time

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from squadron.core.task import Task
from squadron.core.text import one_line
from squadron.ui.widgets.plain import block


def describe(task: Task) -> Group:
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    status = f"{task.status_label} (from {task.provenance.value})"
    if task.exit_code is not None:
        status += f", exit code {task.exit_code}"
    rows = [("id", task.id), ("agent", task.agent), ("status", status)]
    if task.question:
        rows.append(("asks", task.question))
    if task.problem:
        rows.append(("problem", task.problem))
    for item in task.pending():
        rows.append(
            (f"to type ({item.kind})", f"{item.state}: {item.note}" if item.note else item.state)
        )
    for key, value in (
        *rows,
        ("stage", task.stage.value),
        ("mode", task.mode.value),
        ("branch", f"{task.branch}  (from {task.base})"),
        ("worktree", task.worktree),
        ("changes", f"+{task.added} -{task.removed}"),
    ):
        facts.add_row(Text(key), Text(one_line(value)))
    history = Table.grid(padding=(0, 2))
    history.add_column(style="dim")
    history.add_column(style="bold")
    history.add_column()
    for entry in task.history[-200:]:
        stamp = time.strftime("%H:%M:%S", time.localtime(entry.at))
        history.add_row(Text(stamp), Text(one_line(entry.kind)), Text(one_line(entry.detail[:300])))
    title = Text(block(task.title), style="bold underline")
    parts: list[object] = [title, Text(""), facts, Text("")]
    parts += [Text("Prompt", style="bold"), Text(block(task.spec.prompt) or "(none)"), Text("")]
    if task.spec.acceptance:
        parts += [
            Text("Acceptance criteria", style="bold"),
            Text(block(task.spec.acceptance)),
            Text(""),
        ]
    if task.check is not None:
        verdict = "passed" if task.check.ok else f"failed (exit {task.check.exit_code})"
        stamp = time.strftime("%H:%M:%S", time.localtime(task.check.at))
        parts += [
            Text(f"Check {verdict} at {stamp} in {task.check.duration:.1f}s", style="bold"),
            Text(block(task.check.output[-3000:]) or "(no output)"),
            Text(""),
        ]
    if task.comments or task.rounds:
        parts += [
            Text(
                f"Review: {len(task.rounds)} round(s) sent, "
                f"{len(task.comments)} comment(s) pending",
                style="bold",
            ),
            Text(""),
        ]
    parts += [Text("History", style="bold"), history]
    return Group(*parts)  # type: ignore[arg-type]


class TaskInfo(VerticalScroll):
    def __init__(self) -> None:
        super().__init__(id="task-info")
        self._body = Static("")

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._body

    def show(self, task: Task | None) -> None:
        self._body.update(describe(task) if task else Text("no task selected", style="dim"))
