"""The recorded tasks, read-only, found without git or tmux: what ``squadron ls`` shows.

The supervisor records every status; reading them back needs only the state files. So ``ls``
finds the repository with a few file reads (:mod:`squadron.adapters.locate`), loads the task
files and asks the supervisor's lock whether anyone is watching: no git process, no tmux
process, no GitPython import. A repository it cannot read this way goes through the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from squadron.adapters.locate import find_repository
from squadron.adapters.store import StateStore
from squadron.core.choices import POLICIES
from squadron.core.task import Stage, Task


@dataclass
class TaskBook:
    toplevel: Path
    store: StateStore
    problems: list[str]

    @classmethod
    def find(cls, start: Path) -> TaskBook | None:
        found = find_repository(start)
        if found is None:
            return None
        toplevel, common = found
        return cls(toplevel, StateStore(common), [])

    def tasks(self, include_archived: bool = True) -> list[Task]:
        result = self.store.load_all()
        self.problems.extend(result.problems)
        return [t for t in result.tasks if include_archived or t.stage != Stage.ARCHIVED]

    def interrupted(self, task: Task) -> bool:
        """A task a killed `new` left half-made (still creating, nobody creating it)."""
        return task.stage == Stage.CREATING and not self.store.being_created(task.id)

    def default_policy(self) -> str:
        """The configured default auto-approve policy (project file over user file); the full
        configuration is checked by every command that acts."""
        import tomllib

        from squadron.adapters.places import project_config_path, user_config_path

        policy = "off"
        for path in (user_config_path(), project_config_path(self.toplevel)):
            try:
                value = tomllib.loads(path.read_text(encoding="utf-8")).get("auto_approve")
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            if value in POLICIES:
                policy = value
        return policy
