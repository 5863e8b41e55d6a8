"""Pilot fixtures: the real app over a real engine, private tmux and a temp git repository."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot

from squadron.engine.engine import Engine
from squadron.ui.app import SquadronApp
from tests.integration.helpers import write_user_config


class RecordingAttacher:
    """Stands in for the terminal hand-over, which cannot run under Pilot."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, app: App[object], argv: list[str]) -> None:
        self.calls.append(argv)


@pytest.fixture
def engine(repo: Path) -> Engine:
    write_user_config('default_agent = "fake"\n')
    return Engine.open(repo)


@pytest.fixture
def attacher() -> RecordingAttacher:
    return RecordingAttacher()


class RecordingApp(SquadronApp):
    """The real app, remembering every notification it showed (toasts expire)."""

    def __init__(self, *args: object, **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.shown: list[str] = []

    def notify(self, message: str, *args: object, **kw: object) -> None:  # type: ignore[override]
        self.shown.append(str(message))
        super().notify(message, *args, **kw)  # type: ignore[arg-type]


@pytest.fixture
def app(engine: Engine, attacher: RecordingAttacher) -> RecordingApp:
    return RecordingApp(engine, attacher=attacher)


async def until(
    pilot: Pilot[object],
    predicate: Callable[[], object],
    timeout: float = 10.0,
    message: str = "condition",
) -> object:
    """Let the app run until ``predicate`` holds (the Pilot twin of ``wait_until``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {message}")
        await pilot.pause(0.05)
        await asyncio.sleep(0)


def shown(app: App[object], text: str) -> bool:
    """Has the app notified something containing ``text``?"""
    return any(text in note for note in getattr(app, "shown", []))


def focused(app: App[object], selector: str) -> bool:
    """Does the widget ``selector`` on the current screen have the keyboard? (A dialog is
    pushed, composed, then mounted, and only then focuses its field: keys typed before that
    would go nowhere.)"""
    found = app.screen.query(selector)
    return bool(found) and found.first().has_focus


async def click(pilot: Pilot[object], selector: str) -> None:
    """Click ``selector`` once it is on screen: a dialog's widgets exist before its layout
    gives them a place, and a click meanwhile lands on nothing."""
    app = pilot.app

    def placed() -> bool:
        found = app.screen.query(selector)
        return bool(found) and found.first().region.area > 0

    await until(pilot, placed, message=f"{selector} on screen")
    await pilot.click(selector)


def rows_text(app: App[object]) -> str:
    """The text of every row of the task list, as drawn."""
    from squadron.ui.widgets.sidebar import Sidebar

    main = getattr(app, "main", None)
    if main is None:
        return ""
    return "\n".join(row.text for row in main.query_one(Sidebar).rows())
