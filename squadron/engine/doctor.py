"""``squadron doctor``: what is missing or wrong on this machine, and how to fix it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from squadron.adapters.config import load_settings
from squadron.adapters.git import GitError, GitRepo
from squadron.adapters.places import project_config_path, user_config_path
from squadron.core.errors import SquadronError
from squadron.engine.floors import Check, check_git, check_tmux

if TYPE_CHECKING:
    from squadron.core.task import Task
    from squadron.engine.engine import Engine


def run_doctor(path: Path | None, fix: bool = False) -> list[Check]:
    checks = [check_git(), check_tmux()]
    root: Path | None = None
    try:
        root = GitRepo.discover(path or Path(os.getcwd())).toplevel
        checks.append(Check(True, f"git repository {root}"))
    except GitError as exc:
        checks.append(
            Check(False, str(exc), "run squadron inside a git repository or pass --repo PATH")
        )
    for cfg in (user_config_path(), *([project_config_path(root)] if root else [])):
        checks.append(Check(True, f"config {cfg}" + ("" if cfg.exists() else " (none, defaults)")))
    try:
        settings = load_settings(root)
    except SquadronError as exc:
        checks.append(Check(False, "config is invalid", str(exc)))
        return checks
    for name, preset in sorted(settings.agents.items()):
        program = preset.command[0] if preset.command else (os.environ.get("SHELL") or "/bin/sh")
        found = shutil.which(program)
        if found:
            checks.append(Check(True, f"agent {name}: {found}"))
        else:
            mark = " (default agent)" if name == settings.default_agent else ""
            checks.append(
                Check(
                    False,
                    f"agent {name}{mark}: '{program}' not on PATH",
                    f"install it, or set [agents.{name}] command in {user_config_path()}",
                    optional=name != settings.default_agent,
                )
            )
    if root is not None:
        checks += check_tasks(root, fix)
    return checks


def check_tasks(root: Path, fix: bool) -> list[Check]:
    """The repository's squadron state: its supervisor, tasks a crash left half-made,
    worktrees a move broke, state files that could not be read."""
    from squadron.engine import supervision
    from squadron.engine.engine import Engine
    from squadron.engine.repair import repair_links

    try:
        engine = Engine.open(root, check=False)
        engine.supervised = fix  # looking starts nothing; fixing may
        tasks = engine.tasks()
    except SquadronError as exc:
        return [Check(False, "squadron's state cannot be read", str(exc))]
    checks = []
    info = supervision.running_info(engine.store)
    if info is None:
        live = [t for t in tasks if t.stage.value in ("running", "review")]
        checks.append(
            Check(
                not live,
                "no supervisor runs for this repository"
                + (f" ({len(live)} live task(s) are not watched)" if live else ""),
                "any squadron command starts it; or `squadron supervisor start`" if live else "",
                optional=True,
            )
        )
    else:
        same = info.build == supervision.build_id()
        checks.append(
            Check(
                same,
                f"supervisor running (pid {info.pid})"
                + ("" if same else ", from another squadron build"),
                "" if same else "the next squadron command replaces it",
                optional=True,
            )
        )
    for problem in engine.problems:
        checks.append(Check(False, problem, "", optional=True))
    for task in tasks:
        if not engine.interrupted(task):
            continue
        made = Path(task.worktree).is_dir()
        what = f"{task.id} was left half-made by a killed `new`" + (
            " (its worktree exists)" if made else " (no worktree yet)"
        )
        if fix:
            try:
                checks.append(Check(True, engine.finish_creation(task.id)))
            except SquadronError as exc:
                checks.append(Check(False, what, str(exc)))
        else:
            action = "finishes it" if made else "rolls it back"
            checks.append(
                Check(False, what, f"`squadron doctor --fix` {action}, `squadron rm {task.id}`")
            )
    for line in repair_links(engine, tasks) if fix else _broken(engine, tasks):
        checks.append(Check(fix, line, "" if fix else "`squadron doctor --fix` repairs it"))
    return checks


def _broken(engine: Engine, tasks: list[Task]) -> list[str]:
    return [
        f"{t.id}: its worktree lost its link to the repository (the repository moved)"
        for t in tasks
        if t.stage.value in ("creating", "running", "review", "merged")
        and engine.repo.worktree_link_broken(t.worktree)
    ]
