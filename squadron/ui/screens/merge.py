"""The merge dialog: strategy, editable commit message, and the conflict forecast first."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet

from squadron.core.errors import SquadronError
from squadron.core.task import Task
from squadron.engine.engine import Engine
from squadron.engine.review import STRATEGIES


@dataclass(frozen=True)
class MergeRequest:
    strategy: str
    message: str


class MergeScreen(ModalScreen[MergeRequest | None]):
    CSS_PATH = "modal.tcss"
    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, engine: Engine, task: Task) -> None:
        super().__init__()
        self.engine, self.task_data = engine, task

    def compose(self) -> ComposeResult:
        task = self.task_data
        with Vertical(classes="dialog"):
            yield Label(f"Merge {task.id} into {task.base}", classes="title")
            yield Label(f"{task.branch}  +{task.added} -{task.removed}")
            yield Label("Strategy", classes="field")
            with RadioSet(id="strategy"):
                for i, name in enumerate(STRATEGIES):
                    label = {
                        "merge": "merge (a merge commit)",
                        "squash": "squash (one commit)",
                        "rebase": "rebase (replay commits, fast-forward)",
                    }[name]
                    yield RadioButton(label, value=i == 0, name=name)
            yield Label("Commit message", classes="field")
            yield Input(value=task.title.splitlines()[0] if task.title else "", id="message")
            yield Label("forecasting conflicts…", id="forecast", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Merge", id="merge", variant="success", disabled=True)

    def on_mount(self) -> None:
        self.forecast()

    @work(thread=True, exit_on_error=False, group="forecast")
    def forecast(self) -> None:
        try:
            conflicts = self.engine.forecast(self.task_data.id)
            error = ""
        except SquadronError as exc:
            conflicts, error = [], str(exc)
        self.app.call_from_thread(self._show_forecast, conflicts, error)

    def _show_forecast(self, conflicts: list[str], error: str) -> None:
        label = self.query_one("#forecast", Label)
        button = self.query_one("#merge", Button)
        if error:
            label.update(f"cannot forecast: {error}")
            label.set_classes("error")
        elif conflicts:
            label.update("would conflict in: " + ", ".join(conflicts))
            label.set_classes("error")
        else:
            label.update("merges cleanly")
            label.set_classes("ok")
            button.disabled = False
            button.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "merge":
            self.dismiss(None)
            return
        pressed = self.query_one("#strategy", RadioSet).pressed_button
        strategy = pressed.name if pressed is not None and pressed.name else "merge"
        self.dismiss(MergeRequest(strategy, self.query_one("#message", Input).value))
