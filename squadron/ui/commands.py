"""Command palette entries: jump to a task, run an action on the selected task.

Task titles, agents and branches are data. The palette reads a ``str`` prompt or help line as
markup, so the prompt is handed over as ``Content`` (plain, with the matched letters
highlighted) and the help line escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from squadron.core.text import one_line
from squadron.ui.widgets.plain import escape, line

if TYPE_CHECKING:
    from squadron.ui.screens.main import MainScreen

ACTIONS: list[tuple[str, str, str]] = [
    ("New task", "new_task", "create a task and start its agent"),
    ("Take over", "take_over", "attach to the selected task's pane"),
    ("Send back", "send_back", "return the selected task to unattended mode"),
    ("Message agent", "message", "type an instruction into the selected agent"),
    ("Run checks", "check", "run the check command in the selected task's worktree"),
    ("Merge", "merge", "merge the selected task into its base"),
    ("Archive", "archive", "end session, remove worktree, keep branch"),
    ("Delete", "delete", "delete the selected task"),
    ("Show diff", "show_tab('tab-diff')", "the selected task's changes"),
    ("Show pane", "show_tab('tab-pane')", "the selected task's live pane"),
    ("Show task", "show_tab('tab-info')", "the selected task's spec and history"),
    ("Filter tasks", "filter", "filter the task list"),
    ("Help", "help", "all keys"),
]


class SquadronCommands(Provider):
    """Tasks (``t3 Fix the login``) and squadron's actions, searchable by name."""

    def _main(self) -> MainScreen | None:
        from squadron.ui.screens.main import MainScreen

        screen = self.app.screen_stack[0] if self.app.screen_stack else None
        for candidate in self.app.screen_stack:
            if isinstance(candidate, MainScreen):
                return candidate
        return screen if isinstance(screen, MainScreen) else None

    def _entries(self) -> list[tuple[str, Callable[[], object], str]]:
        main = self._main()
        if main is None:
            return []
        out: list[tuple[str, Callable[[], object], str]] = []
        for task in main.tasks.values():
            label = f"{one_line(task.id)} {line(task.title, 60)}"
            out.append(
                (
                    label,
                    partial(main.select_task, task.id),
                    one_line(f"{task.status_label} · {task.agent} · {task.branch}"),
                )
            )
        for name, action, help_text in ACTIONS:
            if main.why_not(action.split("(")[0]) is None:
                out.append((name, partial(main.run_palette_action, action), help_text))
        return out

    async def discover(self) -> Hits:
        for label, command, help_text in self._entries():
            yield DiscoveryHit(Content(label), command, text=label, help=escape(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, command, help_text in self._entries():
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    highlight(matcher, label),
                    command,
                    text=label,
                    help=escape(help_text),
                )


def highlight(matcher: Matcher, label: str) -> Content:
    """``label`` as plain content with the letters ``matcher`` matched highlighted
    (``Matcher.highlight`` would read the label as markup)."""
    content = Content(label)
    _, offsets = matcher.fuzzy_search.match(matcher.query, label)
    for offset in offsets:
        if not label[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
