"""The merge dialog: strategy, editable commit message, conflict forecast and check result."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet

from squadron.core.choices import STRATEGIES
from squadron.core.errors import SquadronError
from squadron.core.task import Task
from squadron.engine.engine import Engine

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
            yield Label(f"Merge {task.id} into {task.base}", classes="title")
            yield Label(f"{task.branch}  +{task.added} -{task.removed}")
            yield Label("Strategy", classes="field")
            with RadioSet(id="strategy"):
                for i, name in enumerate(STRATEGIES):
                    yield RadioButton(STRATEGY_LABELS[name], value=i == 0, name=name)
            yield Label("Commit message", classes="field")
            yield Input(value=task.title.splitlines()[0] if task.title else "", id="message")
            yield Label("forecasting conflicts…", id="forecast", classes="hint")
            yield Label("checking the check…", id="check", classes="hint")
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
        self.app.call_from_thread(self._show_forecast, conflicts, error, check)

    def _show_forecast(self, conflicts: list[str], error: str, check: str) -> None:
        label = self.query_one("#forecast", Label)
        if error:
            label.update(f"cannot forecast: {error}")
            label.set_classes("error")
        elif conflicts:
            label.update("would conflict in: " + ", ".join(conflicts))
            label.set_classes("error")
        else:
            label.update("merges cleanly")
            label.set_classes("ok")
            self.clean = True
        self.check = check
        check_label = self.query_one("#check", Label)
        check_label.update(CHECK_TEXT[check])
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
