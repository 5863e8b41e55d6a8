"""The supervisor's Waker: woken from threads and from signal handlers, never lost, never
waiting for itself."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator

import pytest

from squadron.engine.supervisor import Waker


@pytest.fixture
def alarm_storm() -> Iterator[list[int]]:
    """SIGALRM every half millisecond; its handler is set by the test."""
    fired: list[int] = []
    old = signal.getsignal(signal.SIGALRM)
    yield fired
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, old)


def test_a_wake_before_the_wait_is_not_lost() -> None:
    waker = Waker()
    waker.set()
    waker.set()
    started = time.monotonic()
    waker.wait(5)
    assert time.monotonic() - started < 1
    started = time.monotonic()
    waker.wait(0.2)  # both wake-ups were used by the first wait
    assert time.monotonic() - started >= 0.15


def test_another_thread_wakes_it() -> None:
    waker = Waker()
    threading.Timer(0.1, waker.set).start()
    started = time.monotonic()
    waker.wait(5)
    assert time.monotonic() - started < 2


def test_a_signal_handler_can_wake_it_at_any_moment(alarm_storm: list[int]) -> None:
    """A signal handler runs between any two steps of the main thread, also inside a wait. A
    threading.Event there deadlocks sooner or later (its set takes the lock its interrupted
    wait holds); the Waker takes no lock."""
    waker = Waker()

    def handler(*_: object) -> None:
        alarm_storm.append(1)
        waker.set()

    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.0005, 0.0005)
    for _ in range(3000):
        waker.wait(0.002)
    signal.setitimer(signal.ITIMER_REAL, 0)
    assert len(alarm_storm) > 100
