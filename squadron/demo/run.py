"""``squadron demo``: a throw-away repository with scripted demo agents, opened in the TUI."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from squadron.adapters.places import state_home
from squadron.core.errors import SquadronError
from squadron.core.task import Task
from squadron.demo.sample import DEMO_TASKS, build_sample_repo, demo_config_toml
from squadron.engine import supervision
from squadron.engine.engine import Engine

PREFIX = "squadron-demo-"
MARKER = ".squadron-demo"


def prepare_demo(parent: Path | None = None) -> tuple[Engine, list[Task]]:
    """Build the sample repository, configure the demo agent and start the demo tasks.

    The supervisor types the prompts as soon as each agent shows its prompt, so this returns
    at once.
    """
    parent = Path(tempfile.mkdtemp(prefix=PREFIX, dir=parent))
    _remember(parent)
    repo = build_sample_repo(parent)
    (repo / ".squadron.toml").write_text(demo_config_toml(), encoding="utf-8")
    exclude = Path(repo / ".git" / "info" / "exclude")
    exclude.parent.mkdir(parents=True, exist_ok=True)
    with exclude.open("a", encoding="utf-8") as fh:
        fh.write(".squadron.toml\n")
    engine = Engine.open(repo)
    tasks = [engine.new_task(title, prompt=prompt, agent="demo") for title, prompt in DEMO_TASKS]
    return engine, tasks


def _registry() -> Path:
    """The demos this user made, one folder per line (``squadron demo --clean`` removes only
    these: other users' demos in a shared temp folder are theirs)."""
    return state_home() / "demos.txt"


def _remember(folder: Path) -> None:
    path = _registry()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"{folder}\n")
    (folder / MARKER).write_text(f"{os.getuid()}\n", encoding="utf-8")


def _mine(folder: Path) -> bool:
    """Made by ``squadron demo`` for this user: the marker it wrote, with this user's id."""
    try:
        return (folder / MARKER).read_text(encoding="utf-8").strip() == str(os.getuid())
    except OSError:
        return False


def clean_demos() -> list[Path]:
    """Remove the demo repositories this user made (ending their agents and supervisors);
    returns what was removed."""
    try:
        listed = _registry().read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        listed = []
    removed = []
    for line in dict.fromkeys(listed):
        folder = Path(line)
        if not line or not folder.name.startswith(PREFIX) or not _mine(folder):
            continue
        for repo in (p.parent for p in folder.glob("*/.git")):
            try:
                engine = Engine.open(repo, check=False)
                supervision.stop(engine)
                for task in engine.tasks():
                    engine.tmux.kill_session(task.session)
            except SquadronError as exc:  # a half-built demo: remove the folder all the same
                print(f"squadron: {repo}: {exc}")
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    kept = [line for line in listed if line and Path(line).exists()]
    _registry().write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
    return removed
