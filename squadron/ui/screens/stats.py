"""Delegation figures: per task time to review-ready, review time and rounds, and P50/P95.

Titles are data: table cells are plain ``Text``, never markup.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from squadron.core.stats import Summary, TaskFigures, duration
from squadron.core.text import one_line
from squadron.ui.widgets.plain import line


def figures_table(rows: list[TaskFigures], summary: Summary) -> Table:
    table = Table(expand=True, show_edge=False)
    table.add_column("task")
    table.add_column("to review-ready", justify="right")
    table.add_column("review time", justify="right")
    table.add_column("rounds", justify="right")
    table.add_column("title")
    for r in rows:
        table.add_row(
            Text(one_line(r.task_id)),
            duration(r.to_review_ready),
            duration(r.review_time),
            str(r.rounds),
            Text(line(r.title, 40)),
        )
    table.add_section()
    table.add_row(
        "p50", duration(summary.to_review_ready_p50), duration(summary.review_time_p50), "", ""
    )
    table.add_row(
        "p95", duration(summary.to_review_ready_p95), duration(summary.review_time_p95), "", ""
    )
    mean = "-" if summary.rounds_mean is None else f"{summary.rounds_mean:.1f}"
    table.add_row("mean", "", "", mean, f"{summary.tasks} tasks, {summary.merged} merged")
    return table


class StatsScreen(ModalScreen[None]):
    CSS_PATH = "modal.tcss"
    BINDINGS = [Binding("escape,q", "dismiss", "close")]

    def __init__(self, rows: list[TaskFigures], summary: Summary) -> None:
        super().__init__()
        self.rows, self.summary = rows, summary

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label("Does delegation pay off?", classes="title")
            yield Static(figures_table(self.rows, self.summary), id="stats-table")
            yield Label(
                "time to review-ready: created → first idle with changes; review "
                "time: review-ready → merged. esc closes",
                classes="hint",
            )
