"""A yes/no dialog; dismisses with ``True`` when confirmed.

The title and body quote task data (branches, folders): they are shown as written, never as markup.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from squadron.core.text import one_line
from squadron.ui.widgets.plain import block


class ConfirmScreen(ModalScreen[bool]):
    CSS_PATH = "modal.tcss"
    BINDINGS = [
        Binding("escape", "dismiss(False)", "cancel"),
        Binding("y", "dismiss(True)", "yes", show=False),
    ]

    def __init__(
        self, title: str, body: str, confirm: str = "Confirm", danger: bool = False
    ) -> None:
        super().__init__()
        self.title_text, self.body, self.confirm, self.danger = title, body, confirm, danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(one_line(self.title_text), classes="title", markup=False)
            yield Static(block(self.body), id="confirm-body", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(
                    self.confirm, id="confirm", variant="error" if self.danger else "primary"
                )

    def on_mount(self) -> None:
        self.query_one("#confirm", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")
