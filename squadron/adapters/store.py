"""Task state on disk: one JSON file per task in the repo's git common dir.

Layout of ``<common-dir>/squadron/``::

    tasks/<id>.json   one task, written atomically (temp file + fsync + rename); created
                      exclusively (a link that fails if the file exists), never replaced
    removed/<id>.json what a removed task was (its id is never used again)
    meta.json         the id counter
    lock              an flock held for every read-modify-write, so two squadron
                      processes never lose each other's updates
    events/<id>.jsonl hook events appended by agents (read by the supervisor)
    locks/<id>.typing an flock held while anything types into that task's pane
    locks/<id>.new    an flock held while `new` creates the task (a task still "creating"
                      whose lock is free was left half-made by a killed `new`)
    supervisor.lock   an flock held by the repository's supervisor for as long as it runs
    supervisor.json   who the supervisor is (pid, build, session) and when it last ticked
    supervisor.log    what the supervisor did and what went wrong (kept short)
    alerts.jsonl      alerts the supervisor raised (the TUI shows them as they come)

A task file that cannot be read is moved aside to ``<id>.json.corrupt-<time>`` and reported,
never silently emptied.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from squadron.core.errors import SquadronError
from squadron.core.task import Task


class StateError(SquadronError):
    """squadron's state cannot be read or written (read-only or full file system, no
    permission). One line naming the path; exit 1."""


def state_error(exc: OSError, path: Path, doing: str) -> StateError:
    """``exc`` from reading or writing ``path`` as one line naming the path: the folder when
    it was the folder that failed, else ``path`` (never a temporary file's name)."""
    failed = Path(exc.filename) if isinstance(exc.filename, str) else None
    where = failed if failed is not None and failed in path.parents else path
    return StateError(f"cannot {doing} {where}: {exc.strerror or exc}")


@contextlib.contextmanager
def reporting(doing: str, path: Path) -> Iterator[None]:
    """Turn an ``OSError`` in the block into a :class:`StateError` naming ``path``."""
    try:
        yield
    except OSError as exc:
        raise state_error(exc, path, doing) from exc


def atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so readers see the old or the new file, never half.
    Raises :class:`StateError` (and leaves no temporary file) when it cannot."""
    with reporting("write", path):
        _write_replace(path, text)


def _write_temp(path: Path, text: str) -> str:
    """``text`` written whole and synced to a new temporary file beside ``path``; its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return tmp


def _write_new(path: Path, text: str) -> bool:
    """Write ``path`` whole, only if it does not exist (False when it does)."""
    tmp = _write_temp(path, text)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return True


def _write_replace(path: Path, text: str) -> None:
    tmp = _write_temp(path, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def lock_held(path: Path) -> bool:
    """Whether some process holds an flock on ``path`` now (False when it does not exist)."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return False
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        return False


@dataclass
class LoadResult:
    tasks: list[Task] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class StateStore:
    def __init__(self, common_dir: Path) -> None:
        self.root = Path(common_dir) / "squadron"
        self.tasks_dir = self.root / "tasks"
        self.events_dir = self.root / "events"
        self._lock_path = self.root / "lock"
        self.locks_dir = self.root / "locks"
        self.supervisor_lock = self.root / "supervisor.lock"
        self.supervisor_info = self.root / "supervisor.json"
        self.supervisor_log = self.root / "supervisor.log"
        self.alerts_path = self.root / "alerts.jsonl"
        self.removed_dir = self.root / "removed"

    # -- locking -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's exclusive lock (blocks until other squadron processes release it)."""
        with reporting("write", self._lock_path):
            self.root.mkdir(parents=True, exist_ok=True)
            fh = open(self._lock_path, "a+b")  # noqa: SIM115 (the with below closes it)
        with fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    @contextlib.contextmanager
    def typing(self, task_id: str) -> Iterator[None]:
        """Hold the task's typing lock: whoever types into its pane holds it, so two writers
        never interleave (blocks until the other one is done)."""
        self.locks_dir.mkdir(parents=True, exist_ok=True)
        with open(self.locks_dir / f"{task_id}.typing", "a+b") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    @contextlib.contextmanager
    def creating(self, task_id: str) -> Iterator[None]:
        """Hold the task's creation lock (taken by `new` before its task file exists)."""
        fh = self._creation_lock(task_id)
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            yield
        finally:
            fh.close()

    def _creation_lock(self, task_id: str) -> Any:
        with reporting("write", self.locks_dir):
            self.locks_dir.mkdir(parents=True, exist_ok=True)
            return open(self.locks_dir / f"{task_id}.new", "a+b")

    def being_created(self, task_id: str) -> bool:
        """A `new` is creating this task right now (its creation lock is held)."""
        return lock_held(self.locks_dir / f"{task_id}.new")

    def mtimes(self) -> dict[str, int]:
        """Every task file's modification time (ns), by task id: what changed since."""
        out: dict[str, int] = {}
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(self.tasks_dir):
                if entry.name.endswith(".json"):
                    with contextlib.suppress(FileNotFoundError):
                        out[entry.name[: -len(".json")]] = entry.stat().st_mtime_ns
        return out

    # -- ids ---------------------------------------------------------------------------------
    def create_new(self, make: Callable[[str], Task], floor: int = 0) -> tuple[Task, Any]:
        """Create the next task's file exclusively: ``make(id)`` builds it. Numbers are never
        reused: the next one is past the counter, every task file, every removed task's record
        and ``floor`` (e.g. ids named by saved refs). The file is linked into place, which fails
        rather than replace a file that exists. Returns the task and its held creation lock
        (close it when the task is made)."""
        meta_path = self.root / "meta.json"
        with self.locked():
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
                counted = int(meta.get("next_task", 1))
            except (FileNotFoundError, ValueError, AttributeError, TypeError):
                counted = 1
            except OSError as exc:
                raise state_error(exc, meta_path, "read") from exc
            number = max(counted, self._highest_number() + 1, floor + 1)
            while True:
                tid = f"t{number}"
                task = make(tid)
                lock = self._creation_lock(tid)
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
                try:
                    with reporting("write", self.path_of(tid)):
                        created = _write_new(
                            self.path_of(tid), json.dumps(task.to_dict(), indent=1) + "\n"
                        )
                except BaseException:
                    lock.close()
                    with contextlib.suppress(OSError):  # nothing was created: leave nothing
                        (self.locks_dir / f"{tid}.new").unlink()
                    raise
                if created:
                    break
                lock.close()
                number += 1  # taken after all (a counter set back by hand): the next one
            atomic_write(meta_path, json.dumps({"next_task": number + 1}))
            return task, lock

    def _highest_number(self) -> int:
        best = 0
        for folder in (self.tasks_dir, self.removed_dir):
            if folder.is_dir():
                for p in folder.glob("t*.json*"):
                    with contextlib.suppress(ValueError):
                        best = max(best, int(p.name.split(".")[0][1:]))
        return best

    # -- tasks -------------------------------------------------------------------------------
    def path_of(self, task_id: str) -> Path:
        return self.tasks_dir / f"{task_id}.json"

    def events_path(self, task_id: str) -> Path:
        return self.events_dir / f"{task_id}.jsonl"

    def save(self, task: Task) -> None:
        atomic_write(self.path_of(task.id), json.dumps(task.to_dict(), indent=1) + "\n")

    def create(self, task: Task) -> None:
        with self.locked():
            self.save(task)

    def _read(self, path: Path, problems: list[str]) -> Task | None:
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            return Task.from_dict(data)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise state_error(exc, path, "read") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
            try:
                os.replace(path, aside)
            except OSError as move:
                problems.append(
                    f"corrupt task state {path} ({exc}); cannot move it aside: {move.strerror}"
                )
                return None
            problems.append(f"corrupt task state {path.name} moved to {aside} ({exc})")
            return None

    def load(self, task_id: str) -> Task | None:
        return self._read(self.path_of(task_id), [])

    def read(self, task_id: str, problems: list[str]) -> Task | None:
        """Like :meth:`load`, adding a line to ``problems`` when the file was unreadable."""
        return self._read(self.path_of(task_id), problems)

    def load_all(self) -> LoadResult:
        result = LoadResult()
        if not self.tasks_dir.is_dir():
            return result
        paths = sorted(self.tasks_dir.glob("t*.json"), key=lambda p: _number(p.stem))
        for path in paths:
            try:
                task = self._read(path, result.problems)
            except StateError as exc:  # one unreadable file does not hide the other tasks
                result.problems.append(str(exc))
                continue
            if task is not None:
                result.tasks.append(task)
        # Moved aside earlier (perhaps by the supervisor): still said, until the user deletes it.
        for aside in sorted(self.tasks_dir.glob("t*.json.corrupt-*")):
            if not any(str(aside) in problem for problem in result.problems):
                result.problems.append(
                    f"corrupt task state {aside.name.split('.corrupt-')[0]} was moved to "
                    f"{aside}; delete it once you have what you need from it"
                )
        return result

    def update(self, task_id: str, change: Callable[[Task], None]) -> Task | None:
        """Read the task fresh from disk, apply ``change`` and write it back, under the lock."""
        with self.locked():
            task = self.load(task_id)
            if task is None:
                return None
            change(task)
            self.save(task)
            return task

    def delete(self, task_id: str) -> None:
        """Remove the task; what it was stays in ``removed/`` (and keeps its id taken)."""
        with self.locked(), reporting("remove", self.path_of(task_id)):
            path = self.path_of(task_id)
            if path.exists():
                self.removed_dir.mkdir(parents=True, exist_ok=True)
                os.replace(path, self.removed_dir / path.name)
            self.events_path(task_id).unlink(missing_ok=True)


def _number(stem: str) -> int:
    try:
        return int(stem[1:])
    except ValueError:
        return 1 << 30
