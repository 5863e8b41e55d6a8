"""Live preview of the selected agent's pane, with colours and scroll-back."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from squadron.ui.widgets.plain import block, same_width


def ansi_text(screen: str) -> Text:
    """A captured pane (with colour escapes) as Rich text; safe to call on any thread.

    Colours are kept; whatever else the agent printed is data: a control character left over
    after the colour codes is shown as a symbol, an undecodable byte as U+FFFD."""
    text = Text.from_ansi(screen.rstrip("\n"), no_wrap=True)
    shown = same_width(text.plain)
    if shown != text.plain:
        text.plain = shown  # same length: the colour spans still fit
    return text


class PaneView(VerticalScroll):
    """Shows a captured screen; follows the bottom unless the user scrolled up."""

    DEFAULT_CSS = """
    PaneView { background: $surface; }
    PaneView > #pane-text { width: auto; min-width: 100%; }
    """

    def __init__(self) -> None:
        super().__init__(id="pane-view")
        self._text = Static("", id="pane-text")
        self.task_id: str | None = None

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._text

    def show(self, task_id: str, screen: str | Text) -> None:
        """Show a captured screen (ANSI text, or Rich text already converted)."""
        follow = self.task_id != task_id or self.scroll_y >= self.max_scroll_y - 1
        self.task_id = task_id
        self._text.update(screen if isinstance(screen, Text) else ansi_text(screen))
        if follow:
            self.call_after_refresh(self.scroll_end, animate=False)

    def show_message(self, text: str) -> None:
        self.task_id = None
        self._text.update(Text(block(text), style="dim italic"))
