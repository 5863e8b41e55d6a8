"""Task state that cannot be written or read: one line naming the path, nothing half-written.

Permission bits do not stop root, so these tests make the file system refuse in ways that
hold for every user (a folder where a file should be, a file where a folder should be); the
read-only and full-disk cases run over real mounts in tests/integration/test_resources.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from squadron.adapters.store import StateError, StateStore, atomic_write
from squadron.core.errors import SquadronError
from tests.unit.test_store import make_task


def test_a_failed_replace_names_the_target_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "t1.json"
    target.mkdir()  # os.replace(file, folder) fails
    with pytest.raises(StateError) as info:
        atomic_write(target, "{}")
    assert str(info.value).startswith(f"cannot write {target}: ")
    assert "\n" not in str(info.value) and ".t1.json." not in str(info.value)
    assert [p.name for p in tmp_path.iterdir()] == ["t1.json"]


def test_a_state_folder_that_is_a_file_names_that_folder(tmp_path: Path) -> None:
    (tmp_path / "squadron").write_text("not a folder", encoding="utf-8")
    store = StateStore(tmp_path)
    with pytest.raises(StateError) as info:
        store.create(make_task("t1"))
    assert str(info.value) == f"cannot write {tmp_path / 'squadron'}: File exists"
    with pytest.raises(StateError, match="cannot write"):
        store.create_new(make_task)
    assert (tmp_path / "squadron").read_text(encoding="utf-8") == "not a folder"


def test_an_unreadable_task_file_is_an_error_not_a_missing_task(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.create(make_task("t1"))
    path = store.path_of("t1")
    path.unlink()
    path.mkdir()  # reading a folder fails with EISDIR, not "file not found"
    with pytest.raises(StateError) as info:
        store.load("t1")
    assert str(info.value) == f"cannot read {path}: Is a directory"
    assert isinstance(info.value, SquadronError) and info.value.exit_code == 1


def test_listing_reports_an_unreadable_task_file_and_keeps_the_others(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.create(make_task("t1"))
    store.create(make_task("t2"))
    store.path_of("t1").unlink()
    store.path_of("t1").mkdir()
    result = store.load_all()
    assert [t.id for t in result.tasks] == ["t2"]
    assert result.problems == [f"cannot read {store.path_of('t1')}: Is a directory"]
