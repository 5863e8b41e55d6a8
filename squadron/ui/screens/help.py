"""The help screen: every key that applies now, as the user has mapped it.

Keys come from the user's config: every cell is plain ``Text``, never markup.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.keys import format_key as _format_key
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from squadron.core.text import one_line
from squadron.ui.keys import MAIN_BINDINGS, OTHER_KEYS, describe
from squadron.ui.screens.review import REVIEW_BINDINGS, REVIEW_KEYS_HELP


def key_names(keys: str) -> str:
    """``"j,down"`` → ``"j / ↓"``: tmux-style key names as a person reads them."""
    return " / ".join(_format_key(k.strip()) for k in keys.split(","))


def key_table(keymap: dict[str, str], detach_key: str) -> Table:
    table = Table.grid(padding=(0, 3))
    table.add_column(style="bold")
    table.add_column()
    for binding in MAIN_BINDINGS:
        keys = keymap.get(binding.id or "", binding.key)
        table.add_row(Text(one_line(key_names(keys))), Text(describe(binding)))
    for keys, text in OTHER_KEYS:
        table.add_row(Text(keys), Text(text))
    for review in REVIEW_BINDINGS:
        if isinstance(review, Binding) and review.id in REVIEW_KEYS_HELP:
            keys = keymap.get(review.id, review.key)
            table.add_row(
                Text(one_line(key_names(keys))), Text("review: " + REVIEW_KEYS_HELP[review.id])
            )
    table.add_row(
        Text(one_line(detach_key.replace("C-", "ctrl+"))),
        Text("in a taken-over pane: back to squadron (or the tmux prefix, then d)"),
    )
    return table


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "modal.tcss"
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "close"),
    ]

    def __init__(self, keymap: dict[str, str], detach_key: str) -> None:
        super().__init__()
        self.keymap, self.detach_key = keymap, detach_key

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help"):
            yield Label("squadron keys", classes="title")
            yield Static(key_table(self.keymap, self.detach_key))
            yield Label("esc closes", classes="hint")
