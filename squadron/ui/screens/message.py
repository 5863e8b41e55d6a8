"""Write a message to the agent (or an optional hand-back note); dismisses with the text.

The title names the task and its agent: shown as written, never as markup.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, TextArea

from squadron.core.text import one_line


class MessageScreen(ModalScreen[str | None]):
    """Dismisses with the text (``""`` allowed when ``optional``), or ``None`` on cancel."""

    CSS_PATH = "modal.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "cancel"),
        Binding("ctrl+s", "send", "send"),
    ]

    def __init__(
        self, title: str, hint: str, send_label: str = "Send", optional: bool = False
    ) -> None:
        super().__init__()
        self.title_text, self.hint, self.send_label, self.optional = (
            title,
            hint,
            send_label,
            optional,
        )

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(one_line(self.title_text), classes="title", markup=False)
            yield TextArea(id="text", soft_wrap=True)
            yield Label(
                one_line(self.hint) + "  ·  ctrl+s sends, esc cancels", classes="hint", markup=False
            )
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.send_label, id="send", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#text", TextArea).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_send(self) -> None:
        text = self.query_one("#text", TextArea).text
        if not text.strip() and not self.optional:
            self.notify("the message is empty", severity="warning", markup=False)
            return
        self.dismiss(text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "send":
            self.action_send()
        else:
            self.dismiss(None)
