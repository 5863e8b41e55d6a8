"""The task: one unit of delegated work. Pure data, no I/O."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from squadron.core.status import Provenance, Status


class Stage(StrEnum):
    CREATING = "creating"  # recorded before anything is made; a killed `new` leaves it here
    RUNNING = "running"
    REVIEW = "review"
    MERGED = "merged"
    ARCHIVED = "archived"


class Mode(StrEnum):
    UNATTENDED = "unattended"
    CONDUCTOR = "conductor"


@dataclass
class Spec:
    title: str
    prompt: str = ""
    acceptance: str = ""


@dataclass
class HistoryEntry:
    at: float
    kind: str  # "status", "mode", "stage", "message", "merge", "approve", "note", ...
    detail: str


@dataclass
class Comment:
    """A reviewer's comment on a file, a line, or a range of lines (a hunk) of the new side."""

    id: int
    path: str
    text: str
    line: int | None = None  # None: about the whole file
    end_line: int | None = None
    quote: str = ""  # the code the comment is about, as it was when written
    revision: str = ""  # the snapshot tree the comment was written on
    created_at: float = 0.0

    @property
    def where(self) -> str:
        if self.line is None:
            return self.path
        if self.end_line and self.end_line != self.line:
            return f"{self.path}:{self.line}-{self.end_line}"
        return f"{self.path}:{self.line}"


@dataclass
class ReviewRound:
    """One review sent to the agent: what was reviewed and how many comments it held."""

    number: int
    at: float
    revision: str  # commit kept under refs/squadron/review/<task>/<number>
    comments: int


@dataclass
class CheckRecord:
    """The last run of the check command in the task's worktree."""

    exit_code: int
    at: float
    duration: float
    output: str
    revision: str  # the snapshot tree that was checked

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


OUTBOX_KINDS = ("prompt", "message", "note", "review", "check", "keys")
KEPT_DONE = 10  # finished outbox entries kept for `send` to read its outcome


@dataclass
class Outgoing:
    """Something squadron is asked to type into the agent: text, or keys.

    ``state`` moves pending → typing → entered → sent, or to failed (``note`` says why; while
    pending it says what the delivery waits for). The state is written before each step is
    taken, so a supervisor that restarts never types the same text twice.
    """

    id: int
    kind: str  # one of OUTBOX_KINDS
    text: str = ""
    keys: list[str] = field(default_factory=list)
    enter: bool = False  # for keys: press Enter after them
    force: bool = False  # type even in conductor mode
    state: str = "pending"
    created_at: float = 0.0
    done_at: float = 0.0
    note: str = ""

    @property
    def done(self) -> bool:
        return self.state in ("sent", "failed")


@dataclass
class Task:
    id: str
    spec: Spec
    agent: str
    base: str
    branch: str
    worktree: str
    session: str
    created_at: float
    stage: Stage = Stage.RUNNING
    mode: Mode = Mode.UNATTENDED
    status: Status = Status.STARTING
    provenance: Provenance = Provenance.PROCESS
    status_since: float = 0.0
    status_unsure: bool = False
    exit_code: int | None = None
    last_screen: str = ""
    command: list[str] = field(default_factory=list)
    start_commit: str = ""  # the base commit the task branched from ("" for old tasks)
    added: int = 0
    removed: int = 0
    prompt_delivered: bool = False
    outbox: list[Outgoing] = field(default_factory=list)
    question: str = ""  # what the agent asks while waiting
    problem: str = ""  # why squadron cannot read or drive this task now ("" when fine)
    auto_approve: str = ""  # "off", "safe", "all"; "" = the configured default
    history: list[HistoryEntry] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)  # pending, not sent yet
    rounds: list[ReviewRound] = field(default_factory=list)
    check: CheckRecord | None = None
    viewed: dict[str, str] = field(default_factory=dict)  # path -> fingerprint when viewed
    criteria_ticked: list[int] = field(default_factory=list)  # acceptance lines checked off
    timeline: dict[str, float] = field(default_factory=dict)  # first_change, review_ready, ...
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def status_label(self) -> str:
        return f"{self.status.value}?" if self.status_unsure else self.status.value

    def record(self, at: float, kind: str, detail: str) -> None:
        self.history.append(HistoryEntry(at=at, kind=kind, detail=detail))

    def enqueue(self, item: Outgoing) -> Outgoing:
        """Add ``item`` to the outbox with the next id; finished entries beyond
        ``KEPT_DONE`` are dropped (the history keeps what was sent)."""
        item.id = max((o.id for o in self.outbox), default=0) + 1
        done = [o for o in self.outbox if o.done]
        drop = {o.id for o in done[: max(0, len(done) - KEPT_DONE)]}
        self.outbox = [o for o in self.outbox if o.id not in drop] + [item]
        return item

    def outgoing(self, item_id: int) -> Outgoing | None:
        return next((o for o in self.outbox if o.id == item_id), None)

    def pending(self) -> list[Outgoing]:
        """Outbox entries not finished yet, oldest first."""
        return [o for o in self.outbox if not o.done]

    def mark(self, event: str, at: float) -> None:
        """Note the first time a timeline event happened (later ones do not move it)."""
        self.timeline.setdefault(event, at)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Task:
        """Build a task from stored data; raises ``ValueError`` naming what is wrong."""
        try:
            d = dict(data)
            d["spec"] = Spec(**d["spec"])
            d["stage"] = Stage(d.get("stage", "running"))
            d["mode"] = Mode(d.get("mode", "unattended"))
            d["status"] = Status(d.get("status", "starting"))
            d["provenance"] = Provenance(d.get("provenance", "process"))
            d["history"] = [HistoryEntry(**h) for h in d.get("history", [])]
            d["comments"] = [Comment(**c) for c in d.get("comments", [])]
            d["rounds"] = [ReviewRound(**r) for r in d.get("rounds", [])]
            d["check"] = CheckRecord(**d["check"]) if d.get("check") else None
            d["outbox"] = [Outgoing(**o) for o in d.get("outbox", [])]
            spec = d["spec"]
            if spec.prompt and not d.get("prompt_delivered", True) and not d["outbox"]:
                # written by a version that typed the first prompt itself
                d["outbox"] = [Outgoing(1, "prompt", spec.prompt, created_at=d["created_at"])]
            known = set(cls.__dataclass_fields__)
            unknown = set(d) - known
            if unknown:
                extra = dict(d.get("extra", {}))
                for key in unknown:
                    extra[key] = d.pop(key)
                d["extra"] = extra
            return cls(**d)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"bad task record: {exc}") from exc
