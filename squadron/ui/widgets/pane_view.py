"""Live preview of the selected agent's pane, with colours and scroll-back."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static


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

    def show(self, task_id: str, screen: str) -> None:
        follow = self.task_id != task_id or self.scroll_y >= self.max_scroll_y - 1
        self.task_id = task_id
        self._text.update(Text.from_ansi(screen.rstrip("\n"), no_wrap=True))
        if follow:
            self.call_after_refresh(self.scroll_end, animate=False)

    def show_message(self, text: str) -> None:
        self.task_id = None
        self._text.update(Text(text, style="dim italic"))
