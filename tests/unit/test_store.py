from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

from squadron.adapters.store import StateStore, atomic_write
from squadron.core.task import Spec, Task


def make_task(tid: str) -> Task:
    return Task(
        id=tid,
        spec=Spec(title=f"title {tid}"),
        agent="shell",
        base="main",
        branch=f"squadron/{tid}",
        worktree=f"/tmp/{tid}",
        session=f"s_{tid}",
        created_at=1.0,
    )


def test_round_trip_and_order(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    for tid in ("t2", "t10", "t1"):
        store.create(make_task(tid))
    loaded = store.load_all()
    assert [t.id for t in loaded.tasks] == ["t1", "t2", "t10"]
    assert loaded.tasks[0].spec.title == "title t1"
    assert loaded.problems == []


def test_corrupt_file_is_moved_aside(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.create(make_task("t1"))
    store.path_of("t1").write_text('{"id": "t1"}', encoding="utf-8")  # missing fields
    result = store.load_all()
    assert result.tasks == []
    assert "t1.json" in result.problems[0]
    assert list(store.tasks_dir.glob("t1.json.corrupt-*"))


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "x.json"
    atomic_write(target, "one")
    atomic_write(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def _allocate(root: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    store = StateStore(Path(root))
    out.put([store.allocate_number() for _ in range(25)])


def test_ids_are_unique_across_processes(tmp_path: Path) -> None:
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    procs = [
        multiprocessing.Process(target=_allocate, args=(str(tmp_path), queue)) for _ in range(4)
    ]
    for p in procs:
        p.start()
    numbers = [n for _ in procs for n in queue.get(timeout=30)]
    for p in procs:
        p.join()
    assert sorted(numbers) == list(range(1, 101))


def test_update_is_read_modify_write(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.create(make_task("t1"))
    other = StateStore(tmp_path)  # another process's view
    other.update("t1", lambda t: t.record(1.0, "note", "from other"))
    store.update("t1", lambda t: t.record(2.0, "note", "from us"))
    details = [h.detail for h in store.load("t1").history]  # type: ignore[union-attr]
    assert details == ["from other", "from us"]
    assert json.loads(store.path_of("t1").read_text())["id"] == "t1"
