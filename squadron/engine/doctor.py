"""``squadron doctor``: what is missing or wrong on this machine, and how to fix it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from squadron.adapters.config import load_settings, project_config_path, user_config_path
from squadron.adapters.git import GitError, GitRepo
from squadron.core.errors import SquadronError
from squadron.engine.floors import Check, check_git, check_tmux


def run_doctor(path: Path | None) -> list[Check]:
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
    return checks
