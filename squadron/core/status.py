"""What an agent is doing now, and how squadron knows it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    STARTING = "starting"
    WORKING = "working"
    WAITING = "waiting"
    IDLE = "idle"
    EXITED = "exited"
    LOST = "lost"


class Provenance(StrEnum):
    HOOK = "hook"
    SCREEN = "screen"
    ACTIVITY = "activity"
    PROCESS = "process"


@dataclass(frozen=True)
class StatusReading:
    """A status with where it came from.

    ``unsure`` marks a status squadron does not trust (a "working" agent that has been silent
    for a long time is shown as ``working?``).
    """

    status: Status
    provenance: Provenance
    unsure: bool = False
    exit_code: int | None = None

    @property
    def label(self) -> str:
        return f"{self.status.value}?" if self.unsure else self.status.value
