"""The Textual app: wiring only. Screens hold the behaviour, the engine does the work."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel

from squadron.adapters.places import config_dir
from squadron.core.text import one_line
from squadron.engine.engine import Engine
from squadron.engine.feed import FeedUpdate, TaskFeed
from squadron.ui.attacher import Attacher, terminal_attacher
from squadron.ui.commands import SquadronCommands
from squadron.ui.keys import MAIN_BINDINGS
from squadron.ui.messages import AlertsArrived, PreviewUpdated, TasksUpdated
from squadron.ui.screens.main import MainScreen
from squadron.ui.themes import STATUS_VARIABLE_DEFAULTS, load_themes
from squadron.ui.widgets.pane_view import ansi_text

DEFAULT_THEME = "squadron-dark"


def remappable_ids() -> set[str]:
    """Every key id a user may remap in ``[keys]``: main screen, review screen, diff view."""
    from squadron.ui.screens.review import REVIEW_BINDINGS
    from squadron.ui.widgets.diff_view import CursorDiffPane, DiffFileList, DiffPane, DiffView

    bindings = [*MAIN_BINDINGS, *REVIEW_BINDINGS]
    for widget in (DiffView, DiffPane, CursorDiffPane, DiffFileList):
        bindings += widget.BINDINGS
    return {b.id for b in bindings if isinstance(b, Binding) and b.id}


class SquadronApp(App[None]):
    TITLE = "squadron"
    COMMANDS = App.COMMANDS | {SquadronCommands}
    BINDINGS = [Binding("ctrl+c", "quit", "quit", show=False, priority=True)]

    def __init__(
        self, engine: Engine, attacher: Attacher = terminal_attacher, monitor: bool = True
    ) -> None:
        super().__init__()
        self.engine = engine
        self.attacher = attacher
        # The feed follows what the supervisor records; ``monitor=False`` (tests of the
        # layout) shows the tasks as loaded and follows nothing.
        self.feed = TaskFeed(engine, on_update=self._on_feed) if monitor else None
        self.keymap: dict[str, str] = {}
        self.main: MainScreen | None = None

    @property
    def banner(self) -> str:
        key = self.engine.settings.detach_key.replace("C-", "ctrl+")
        return (
            f"squadron · {one_line(self.engine.repo.name)} · ? help · ctrl+p commands · "
            f"in a taken-over pane, {key} comes back"
        )

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification is plain text (they quote titles, paths, branches, errors):
        never markup, controls shown as symbols."""
        super().notify(
            one_line(str(message)),
            title=one_line(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(STATUS_VARIABLE_DEFAULTS)

    def on_mount(self) -> None:
        self._load_themes()
        self._load_keymap()
        self.main = MainScreen()
        self.push_screen(self.main)
        for problem in self.engine.problems:
            self.notify(problem, severity="warning", timeout=8)
        if self.feed is not None:  # first paint first
            self.call_after_refresh(self.feed.start)
            self.main.ensure_supervisor()

    def on_unmount(self) -> None:
        if self.feed is not None:
            self.feed.stop()

    def _load_themes(self) -> None:
        themes, problems = load_themes(config_dir())
        for theme in themes:
            self.register_theme(theme)
        for problem in problems:
            self.notify(problem, severity="warning", timeout=8)
        wanted = self.engine.settings.theme
        if wanted in self.available_themes:
            self.theme = wanted
        else:
            self.notify(f"unknown theme '{wanted}'; using {DEFAULT_THEME}", severity="warning")
            self.theme = DEFAULT_THEME

    def _load_keymap(self) -> None:
        ids = remappable_ids()
        keymap = {}
        for binding_id, keys in self.engine.settings.keys.items():
            if binding_id in ids:
                keymap[binding_id] = keys
            else:
                self.notify(
                    f"[keys] unknown key id '{binding_id}' (see ? for ids)", severity="warning"
                )
        self.keymap = keymap
        self.set_keymap(keymap)

    # -- the feed (its callback runs on the feed's thread: post messages only) ----------------
    def _on_feed(self, update: FeedUpdate) -> None:
        main = self.main
        if main is None:
            return
        if update.tasks is not None:
            main.post_message(TasksUpdated(update.tasks, update.changed, update.vanished))
        if update.preview is not None:
            task_id, screen = update.preview
            main.post_message(PreviewUpdated(task_id, ansi_text(screen)))
        if update.alerts:
            main.post_message(AlertsArrived(update.alerts))

    def focus_task(self, task_id: str | None) -> None:
        if self.feed is not None:
            self.feed.focus = task_id
            self.feed.poke()

    def poke(self) -> None:
        if self.feed is not None:
            self.feed.poke()

    # -- take over -----------------------------------------------------------------------------
    def attach(self, argv: list[str], task_id: str) -> None:
        """Hand the terminal to tmux for ``task_id``; come back to the TUI as it was."""
        self.attacher(self, argv)
        self.refresh(layout=True)
        if self.main is not None:
            self.main.load_tasks()
        self.poke()
        self.notify(f"back from {task_id}: it stays in conductor mode until you press u", timeout=5)
