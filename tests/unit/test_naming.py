from __future__ import annotations

import pytest

from squadron.core.naming import branch_name, first_line, repo_key, session_name, slugify


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Add a health endpoint", "add-a-health-endpoint"),
        ("-rf $(touch x); `id`", "rf-touch-x-id"),
        ("Crème brûlée ☃ naïve", "creme-brulee-naive"),
        ("日本語", "task"),
        ("a" * 100, "a" * 40),
        ("line one\nline two", "line-one-line-two"),
        ("--", "task"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_branch_name_falls_back_to_task_id() -> None:
    assert branch_name("日本語", "t7") == "squadron/t7"
    assert branch_name("Fix it", "t1", prefix="agents/") == "agents/fix-it"


def test_session_names_are_tmux_safe_and_repo_scoped() -> None:
    a = repo_key("My.Repo:x", "/a/.git")
    b = repo_key("My.Repo:x", "/b/.git")
    assert a != b
    name = session_name(a, "t1")
    assert "." not in name and ":" not in name


def test_first_line() -> None:
    assert first_line("\n\n  hello world  \nmore") == "hello world"
    assert first_line("x" * 100, limit=10) == "x" * 9 + "…"
