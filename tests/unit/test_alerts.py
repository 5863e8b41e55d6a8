from __future__ import annotations

from dataclasses import replace

from squadron.core.alerts import AlertTracker
from squadron.core.status import Status
from squadron.core.task import Mode, Spec, Task


def task(tid: str, status: Status, since: float, added: int = 0, **kw: object) -> Task:
    return Task(
        id=tid,
        spec=Spec(title=f"title {tid}"),
        agent="fake",
        base="main",
        branch=f"b/{tid}",
        worktree="/w",
        session="s",
        created_at=0.0,
        status=status,
        status_since=since,
        added=added,
        **kw,
    )  # type: ignore[arg-type]


def test_one_alert_per_transition_and_none_for_the_past() -> None:
    tracker = AlertTracker()
    assert tracker.check([task("t1", Status.WAITING, 1.0)]) == []  # already so at start
    t2 = task("t2", Status.WORKING, 2.0)
    assert tracker.check([t2]) == []
    waiting = replace(t2, status=Status.WAITING, status_since=3.0)
    alerts = tracker.check([waiting])
    assert [a.text for a in alerts] == ["t2 is waiting for you: title t2"]
    assert tracker.check([waiting]) == []  # de-duplicated
    assert tracker.still_current(alerts[0], waiting)
    idle = replace(waiting, status=Status.IDLE, status_since=4.0)
    assert not tracker.still_current(alerts[0], idle)
    assert tracker.check([idle]) == []  # idle without changes: nothing to review
    review = replace(idle, status_since=5.0, added=3)
    assert [a.text for a in tracker.check([review])] == ["t2 is ready for review (+3 -0): title t2"]
    again = replace(review, status=Status.WAITING, status_since=6.0)
    assert len(tracker.check([again])) == 1  # a new transition alerts again


def test_no_alert_in_conductor_mode() -> None:
    tracker = AlertTracker()
    tracker.check([])
    assert tracker.check([task("t1", Status.WAITING, 1.0, mode=Mode.CONDUCTOR)]) == []
