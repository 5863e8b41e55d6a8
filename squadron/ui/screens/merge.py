"""The merge dialog: strategy, editable commit message, conflict forecast and check result.

Branch names, the title and the conflicting paths are data: they are shown with ``markup=False``
(a path like ``x[/b]y.py`` is a file name, not a closing tag) and control characters shown as
symbols. The forecast always ends: with its result, or with why it could not be made.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet
from textual.worker import Worker, WorkerState

from squadron.core.choices import STRATEGIES
from squadron.core.errors import SquadronError
from squadron.core.task import Task
from squadron.core.text import one_line
from squadron.engine.engine import Engine
from squadron.ui.widgets.plain import line

STRATEGY_LABELS = {
    "merge": "merge (a merge commit)",
    "squash": "squash (one commit)",
    "rebase": "rebase (replay commits, fast-forward)",
}
CHECK_TEXT = {
    "none": "no check configured",
    "missing": "the check has not been run on this code",
    "stale": "the check ran on older code",
    "pass": "the check passed",
    "fail": "the check failed",
}


class Forecast(Message):
    """The forecast worker's answer: conflicting paths, or why there is no forecast."""

    def __init__(self, conflicts: list[str], error: str, check: str) -> None:
        super().__init__()
        self.conflicts, self.error, self.check = conflicts, error, check


@dataclass(frozen=True)
class MergeRequest:
    strategy: str
    message: str
    override_check: bool = False


class MergeScreen(ModalScreen[MergeRequest | None]):
    """Shows what will happen before anything does: forecast first, then the check gate."""

    CSS_PATH = "modal.tcss"
    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, engine: Engine, task: Task) -> None:
        super().__init__()
        self.engine, self.task_data = engine, task
        self.clean = False
        self.check = "none"

    def compose(self) -> ComposeResult:
        task = self.task_data
        with Vertical(classes="dialog"):
            yield Label(
                f"Merge {one_line(task.id)} into {one_line(task.base)}",
                classes="title",
                markup=False,
            )
            yield Label(
                f"{one_line(task.branch)}  +{task.added} -{task.removed}",
                id="merge-branch",
                markup=False,
            )
            yield Label("Strategy", classes="field")
            with RadioSet(id="strategy"):
                for i, name in enumerate(STRATEGIES):
                    yield RadioButton(STRATEGY_LABELS[name], value=i == 0, name=name)
            yield Label("Commit message", classes="field")
            yield Input(value=line(task.title), id="message")
            yield Label("forecasting conflicts…", id="forecast", classes="hint", markup=False)
            yield Label("checking the check…", id="check", classes="hint", markup=False)
            yield Checkbox("merge anyway (recorded as an override)", id="override")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Merge", id="merge", variant="success", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#override", Checkbox).display = False
        self.forecast()

    @work(thread=True, exit_on_error=False, group="forecast")
    def forecast(self) -> None:
        error, conflicts, check = "", [], "none"
        try:
            conflicts = self.engine.forecast(self.task_data.id)
            task = self.engine.get(self.task_data.id)
            check = self.engine.check_state(task, self.engine.revision(task))
        except SquadronError as exc:
            error = str(exc)
        self.post_message(Forecast(conflicts, error, check))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A forecast that failed unexpectedly still ends, saying why (merge stays off)."""
        if event.worker.group == "forecast" and event.state == WorkerState.ERROR:
            error = event.worker.error
            self.post_message(Forecast([], f"{type(error).__name__}: {error}", "none"))

    def on_forecast(self, message: Forecast) -> None:
        self._show_forecast(message.conflicts, message.error, message.check)

    def _show_forecast(self, conflicts: list[str], error: str, check: str) -> None:
        label = self.query_one("#forecast", Label)
        if error:
            label.update(f"cannot forecast: {line(error)}")
            label.set_classes("error")
        elif conflicts:
            label.update("would conflict in: " + ", ".join(one_line(path) for path in conflicts))
            label.set_classes("error")
        else:
            label.update("merges cleanly")
            label.set_classes("ok")
            self.clean = True
        self.check = check
        check_label = self.query_one("#check", Label)
        check_label.update(CHECK_TEXT.get(check, f"check: {one_line(check)}"))
        check_label.set_classes("ok" if check in ("pass", "none") else "error")
        self.query_one("#override", Checkbox).display = self.clean and self.blocked
        self._update_button()

    @property
    def blocked(self) -> bool:
        return self.check in ("missing", "stale", "fail")

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self._update_button()

    def _update_button(self) -> None:
        button = self.query_one("#merge", Button)
        override = self.query_one("#override", Checkbox).value
        button.disabled = not self.clean or (self.blocked and not override)
        if not button.disabled:
            button.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "merge":
            self.dismiss(None)
            return
        pressed = self.query_one("#strategy", RadioSet).pressed_button
        strategy = pressed.name if pressed is not None and pressed.name else "merge"
        override = self.blocked and self.query_one("#override", Checkbox).value
        self.dismiss(MergeRequest(strategy, self.query_one("#message", Input).value, override))
