from __future__ import annotations

import pytest

from squadron.core.status import Status
from squadron.core.task import Mode, Spec, Stage, Task


def test_task_round_trips_and_keeps_unknown_fields() -> None:
    task = Task(
        id="t1",
        spec=Spec(title="x", prompt="p", acceptance="a"),
        agent="claude",
        base="main",
        branch="squadron/x",
        worktree="/w",
        session="s",
        created_at=1.0,
        stage=Stage.REVIEW,
        mode=Mode.CONDUCTOR,
        status=Status.WAITING,
    )
    task.record(2.0, "mode", "conductor")
    data = task.to_dict()
    data["from_the_future"] = 42
    back = Task.from_dict(data)
    assert back.stage == Stage.REVIEW and back.mode == Mode.CONDUCTOR
    assert back.status == Status.WAITING and back.history[0].detail == "conductor"
    assert back.extra["from_the_future"] == 42


def test_bad_record_raises_value_error() -> None:
    with pytest.raises(ValueError, match="bad task record"):
        Task.from_dict({"id": "t1"})
    with pytest.raises(ValueError, match="bad task record"):
        Task.from_dict(
            {
                "id": "t1",
                "spec": {"title": "x"},
                "agent": "a",
                "base": "b",
                "branch": "c",
                "worktree": "d",
                "session": "e",
                "created_at": 0,
                "stage": "flying",
            }
        )
