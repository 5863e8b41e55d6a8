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
    ids = []
    for _ in range(25):
        task, lock = store.create_new(make_task)
        lock.close()
        ids.append(int(task.id[1:]))
    out.put(ids)


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


def test_a_counter_set_back_never_replaces_a_task_and_ids_are_never_reused(
    tmp_path: Path,
) -> None:
    store = StateStore(tmp_path)
    first, lock = store.create_new(make_task)
    lock.close()
    second, lock = store.create_new(make_task)
    lock.close()
    assert (first.id, second.id) == ("t1", "t2")
    store.update("t1", lambda t: t.record(1.0, "note", "precious"))
    (store.root / "meta.json").write_text('{"next_task": 1}')  # set back by hand
    third, lock = store.create_new(make_task)
    lock.close()
    assert third.id == "t3"
    assert [h.detail for h in store.load("t1").history] == ["precious"]  # type: ignore[union-attr]
    store.delete("t3")
    assert store.load("t3") is None and (store.removed_dir / "t3.json").exists()
    (store.root / "meta.json").unlink()
    again, lock = store.create_new(make_task)
    lock.close()
    assert again.id == "t4"  # a removed task's id stays taken
    floored, lock = store.create_new(make_task, floor=9)  # e.g. refs/squadron/trash/t9
    lock.close()
    assert floored.id == "t10"


def test_the_creation_lock_tells_a_live_new_from_a_killed_one(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    task, lock = store.create_new(make_task)
    assert store.being_created(task.id)
    lock.close()  # the process that held it ended
    assert not store.being_created(task.id)
    with store.creating(task.id):
        assert store.being_created(task.id)


def test_update_is_read_modify_write(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.create(make_task("t1"))
    other = StateStore(tmp_path)  # another process's view
    other.update("t1", lambda t: t.record(1.0, "note", "from other"))
    store.update("t1", lambda t: t.record(2.0, "note", "from us"))
    details = [h.detail for h in store.load("t1").history]  # type: ignore[union-attr]
    assert details == ["from other", "from us"]
    assert json.loads(store.path_of("t1").read_text())["id"] == "t1"
