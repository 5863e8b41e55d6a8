"""Delegation figures from task timelines: time to review-ready, review time, rounds."""

from __future__ import annotations

import math
from dataclasses import dataclass

from squadron.core.task import Task


@dataclass(frozen=True)
class TaskFigures:
    task_id: str
    title: str
    to_review_ready: float | None  # seconds from created to first idle-with-changes
    review_time: float | None  # seconds from review-ready to merged
    rounds: int
    merged: bool


@dataclass(frozen=True)
class Summary:
    tasks: int
    merged: int
    to_review_ready_p50: float | None
    to_review_ready_p95: float | None
    review_time_p50: float | None
    review_time_p95: float | None
    rounds_mean: float | None


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (``p`` in 0..100); ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def figures(task: Task) -> TaskFigures:
    ready = task.timeline.get("review_ready")
    merged = task.timeline.get("merged")
    return TaskFigures(
        task_id=task.id,
        title=task.title,
        to_review_ready=None if ready is None else max(0.0, ready - task.created_at),
        review_time=None if ready is None or merged is None else max(0.0, merged - ready),
        rounds=len(task.rounds),
        merged=merged is not None,
    )


def summarize(rows: list[TaskFigures]) -> Summary:
    ready = [r.to_review_ready for r in rows if r.to_review_ready is not None]
    review = [r.review_time for r in rows if r.review_time is not None]
    return Summary(
        tasks=len(rows),
        merged=sum(r.merged for r in rows),
        to_review_ready_p50=percentile(ready, 50),
        to_review_ready_p95=percentile(ready, 95),
        review_time_p50=percentile(review, 50),
        review_time_p95=percentile(review, 95),
        rounds_mean=sum(r.rounds for r in rows) / len(rows) if rows else None,
    )


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"
