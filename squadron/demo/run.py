"""``squadron demo``: a throw-away repository with scripted demo agents, opened in the TUI."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from squadron.core.errors import SquadronError
from squadron.core.task import Task
from squadron.demo.sample import DEMO_TASKS, build_sample_repo, demo_config_toml
from squadron.engine.engine import Engine

PREFIX = "squadron-demo-"


def prepare_demo(parent: Path | None = None) -> tuple[Engine, list[Task]]:
    """Build the sample repository, configure the demo agent and start the demo tasks.

    The prompts are typed by the TUI's monitor as soon as each agent shows its prompt, so this
    returns at once.
    """
    parent = Path(tempfile.mkdtemp(prefix=PREFIX, dir=parent))
    repo = build_sample_repo(parent)
    (repo / ".squadron.toml").write_text(demo_config_toml(), encoding="utf-8")
    exclude = Path(repo / ".git" / "info" / "exclude")
    exclude.parent.mkdir(parents=True, exist_ok=True)
    with exclude.open("a", encoding="utf-8") as fh:
        fh.write(".squadron.toml\n")
    engine = Engine.open(repo)
    tasks = [engine.new_task(title, prompt=prompt, agent="demo") for title, prompt in DEMO_TASKS]
    return engine, tasks


def clean_demos(tmp: Path | None = None) -> list[Path]:
    """Remove every demo repository (and end its agents); returns what was removed."""
    removed = []
    for folder in sorted(Path(tmp or tempfile.gettempdir()).glob(f"{PREFIX}*")):
        repos = [p.parent for p in folder.glob("*/.git")]
        for repo in repos:
            try:
                engine = Engine.open(repo, check=False)
                for task in engine.tasks():
                    engine.tmux.kill_session(task.session)
            except SquadronError as exc:  # a half-built demo: remove the folder all the same
                print(f"squadron: {repo}: {exc}")
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed
