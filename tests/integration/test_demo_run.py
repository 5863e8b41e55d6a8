"""`squadron demo` builds a demo that runs by itself; `--clean` removes only the demos it made."""

from __future__ import annotations

from pathlib import Path

from squadron.core.status import Status
from squadron.demo.run import PREFIX, clean_demos, prepare_demo
from squadron.engine import supervision
from tests.conftest import wait_until


def test_the_demo_runs_and_clean_removes_only_its_own(tmp_path: Path) -> None:
    theirs = tmp_path / f"{PREFIX}someone-else"
    (theirs / "repo" / ".git").mkdir(parents=True)  # another user's demo in a shared /tmp
    unmarked = tmp_path / f"{PREFIX}not-made-by-squadron"
    unmarked.mkdir()
    engine, tasks = prepare_demo(parent=tmp_path)
    folder = engine.repo.toplevel.parent
    assert folder.name.startswith(PREFIX)
    wait_until(
        lambda: all(engine.get(t.id).status != Status.STARTING for t in tasks),
        20,
        message="the supervisor reads the demo agents",
    )
    assert all(engine.get(t.id).prompt_delivered or engine.get(t.id).pending() for t in tasks)
    removed = clean_demos()
    assert removed == [folder] and not folder.exists()
    assert theirs.is_dir() and unmarked.is_dir()
    assert not supervision.is_running(engine.store)
    assert not any(engine.tmux.has_session(t.session) for t in tasks)
    assert clean_demos() == []
