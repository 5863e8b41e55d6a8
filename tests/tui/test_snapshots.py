"""Snapshots of layout and themes only (behaviour is asserted in test_app.py).

Deterministic by construction: no tmux and no agents (tasks are written straight into the
store, the status monitor is off), a frozen sidebar clock, no cursor blink, a fixed terminal
size, and nothing on screen that depends on a temporary path (the repository is named ``proj``).

Regenerate after an intended change with ``pytest tests/tui/test_snapshots.py --snapshot-update``
and look at the report before committing the SVGs.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

import squadron.ui.widgets.sidebar as sidebar
from squadron.core.status import Provenance, Status
from squadron.core.task import HistoryEntry, Mode, Spec, Task
from squadron.engine.engine import Engine
from squadron.ui.app import SquadronApp
from squadron.ui.screens.help import HelpScreen
from squadron.ui.screens.main import MainScreen
from squadron.ui.screens.new_task import NewTaskScreen
from squadron.ui.widgets.sidebar import Sidebar
from tests.integration.helpers import write_user_config

SIZE = (120, 36)
NOW = 1_750_000_000.0  # the frozen clock: every "time in status" is measured from here
THEMES = ("squadron-dark", "squadron-light", "squadron-high-contrast")

# The selected task's last screen, shown in the Pane tab (plain text: no temp paths in it).
SCREEN_T1 = """\
fake-agent 1.0 in the worktree
● edited app.py
Edit app.py to add the /health route?
  1. Yes
  2. No
Do you want to proceed? (y/n) """


def no_attach(app: App[object], argv: list[str]) -> None:
    """Snapshots never take over a pane."""


def make_task(
    number: int,
    title: str,
    status: Status,
    provenance: Provenance,
    age: float,
    mode: Mode = Mode.UNATTENDED,
    added: int = 0,
    removed: int = 0,
    screen: str = "",
) -> Task:
    tid = f"t{number}"
    slug = title.lower().replace(" ", "-")
    created = NOW - 3600
    task = Task(
        id=tid,
        spec=Spec(title=title, prompt=f"please {title.lower()}"),
        agent="fake",
        base="main",
        branch=f"squadron/{tid}-{slug}",
        worktree=f"/nonexistent/.squadron-worktrees/proj/{tid}-{slug}",
        session=f"sq-proj-{tid}",
        created_at=created,
        mode=mode,
        status=status,
        provenance=provenance,
        status_since=NOW - age,
        command=["fake-agent"],
        added=added,
        removed=removed,
        prompt_delivered=True,
        last_screen=screen,
        history=[HistoryEntry(at=created, kind="created", detail="agent fake on main")],
    )
    return task


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sidebar's clock only: the rest of the process keeps real time."""
    monkeypatch.setattr(sidebar, "time", SimpleNamespace(time=lambda: NOW))


def make_app(repo: Path, theme: str = "squadron-dark") -> SquadronApp:
    write_user_config(f'default_agent = "fake"\ntheme = "{theme}"\n')
    engine = Engine.open(repo)
    for task in (
        make_task(
            1,
            "Add health endpoint",
            Status.WAITING,
            Provenance.HOOK,
            age=95,
            added=12,
            removed=3,
            screen=SCREEN_T1,
        ),
        make_task(
            2, "Fix flaky login test", Status.WORKING, Provenance.SCREEN, age=42, added=4, removed=1
        ),
        make_task(
            3,
            "Refactor config loader",
            Status.IDLE,
            Provenance.ACTIVITY,
            age=7260,
            mode=Mode.CONDUCTOR,
            added=30,
            removed=18,
        ),
    ):
        engine.store.create(task)
    return SquadronApp(engine, attacher=no_attach, monitor=False)


async def settle(pilot: Pilot[object], screen_type: type | None = None) -> None:
    """Wait for the task rows (and ``screen_type``), then stop every cursor from blinking."""
    app = pilot.app
    assert isinstance(app, SquadronApp)
    for _ in range(250):
        main = app.main
        rows = len(main.query_one(Sidebar).rows()) if main is not None else 0
        if rows == 3 and isinstance(app.screen, screen_type or MainScreen):
            break
        await pilot.pause(0.02)
    else:
        pytest.fail(f"the app did not settle on {screen_type or MainScreen}")
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    for area in app.screen.query(TextArea):
        area.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("theme", THEMES)
def test_main_screen_with_three_tasks(
    snap_compare, repo: Path, frozen_clock: None, theme: str
) -> None:
    """Main screen: t1 waiting (selected, its pane shown), t2 working, t3 idle in conductor
    mode; banner with the repo name, footer with the keys."""
    app = make_app(repo, theme)

    async def run_before(pilot: Pilot[object]) -> None:
        await settle(pilot)
        assert pilot.app.theme == theme

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_new_task_modal(snap_compare, repo: Path, frozen_clock: None) -> None:
    app = make_app(repo)

    async def run_before(pilot: Pilot[object]) -> None:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot, NewTaskScreen)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, repo: Path, frozen_clock: None) -> None:
    app = make_app(repo)

    async def run_before(pilot: Pilot[object]) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot, HelpScreen)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
