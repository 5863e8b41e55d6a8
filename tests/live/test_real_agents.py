"""Each real agent CLI in a squadron task, end to end: its start-up question left to the user
and shown as waiting, the prompt typed exactly once after the answer, statuses recorded by the
supervisor as the agent works, the file it was asked for written.

Run with ``SQUADRON_LIVE=1`` after ``scripts/install-agents`` (see conftest.py). Every
status sample is printed, so a failure shows what squadron recorded against what happened.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration.helpers import squadron, write_user_config
from tests.live.conftest import AGENTS, Mock, installed

# What answers each agent's start-up questions (their first option is the trusting one).
ANSWERS = {
    "claude": ["--key", "Enter"],
    "codex": ["--key", "Enter"],
    "gemini": ["--key", "Enter"],
    "aider": ["--key", "y", "--enter"],
}
# aider asks more on a first run; "yes" there would open a browser.
DECLINE = ("what's new", "documentation url")


def answer_for(agent: str, question: str) -> list[str]:
    if agent == "aider" and any(d in question.lower() for d in DECLINE):
        return ["--key", "n", "--enter"]
    return ANSWERS[agent]


# What each start-up question says (None: the agent asks nothing at start).
QUESTIONS = {
    "claude": "trust",
    "codex": "Trust",
    "gemini": "trust",
    "aider": ".gitignore",
    "opencode": None,
}


def aider_command(mock: Mock) -> str:
    return (
        f"aider --openai-api-base http://127.0.0.1:{mock.port}/v1 --openai-api-key x "
        "--model openai/mock-model --no-check-update --analytics-disable --edit-format diff"
    )


def user_texts(request: dict[str, Any]) -> list[str]:
    """The user-typed texts a request carries, for each of the four wire protocols."""
    body = request.get("body") or {}
    if not isinstance(body, dict):
        return []
    out: list[str] = []

    def texts(content: object) -> list[str]:
        if isinstance(content, str):
            return [content]
        if isinstance(content, list):
            return [
                str(part.get("text", ""))
                for part in content
                if isinstance(part, dict) and part.get("type") in ("text", "input_text", None)
            ]
        return []

    for message in body.get("messages", []) or body.get("input", []) or []:
        if isinstance(message, dict) and message.get("role") == "user":
            out += texts(message.get("content"))
    for content in body.get("contents", []) or []:
        if isinstance(content, dict) and content.get("role") == "user":
            out += [str(p.get("text", "")) for p in content.get("parts", []) if isinstance(p, dict)]
    return out


def typed_count(mock: Mock, marker: str) -> int:
    """How many user messages hold ``marker`` in the request that carried the most of them
    (the latest turn repeats the whole conversation): 2 would mean the prompt went in twice."""
    return max((sum(marker in text for text in user_texts(r)) for r in mock.requests()), default=0)


def row(repo: Path, tid: str) -> dict[str, Any]:
    rows = json.loads(squadron("ls", "--json", cwd=repo).stdout)
    return next(r for r in rows if r["id"] == tid)


@pytest.mark.parametrize("agent", AGENTS)
def test_a_real_agent_from_start_up_question_to_the_file_it_wrote(
    agent: str, agent_env: Mock, repo: Path
) -> None:
    if not installed(agent):
        pytest.skip(f"{agent} is not installed (scripts/install-agents)")
    write_user_config()
    marker = f"zebra{int(time.time() * 1000) % 100000}"
    prompt = f"please create hello.txt [delay=3] {marker}"
    how = ["--command", aider_command(agent_env)] if agent == "aider" else ["--agent", agent]
    made = squadron(
        "new", f"Live {agent}", *how, "--prompt", prompt, "--auto-approve", "safe", cwd=repo
    )
    assert made.returncode == 0, made.stderr
    tid = made.stdout.strip()
    seen: list[str] = []
    answered_at: float | None = None
    answered: set[str] = set()
    asked = ""
    deadline = time.monotonic() + 200
    while time.monotonic() < deadline:
        now = row(repo, tid)
        sample = f"{now['status']}({now['provenance']}) {now['question'][:60]!r} {now['pending']}"
        if not seen or seen[-1] != sample:
            seen.append(sample)
            print(f"{agent} {time.strftime('%H:%M:%S')} {sample}", file=sys.stderr)
        delivered = not now["pending"]
        question = now["question"]
        if now["status"] == "waiting" and not delivered and question not in answered:
            asked = asked or question
            assert agent in ANSWERS, f"{agent} asked at start: {question}"
            time.sleep(2)  # nothing is typed into the question meanwhile (checked below)
            answered_at = time.time()
            answered.add(question)
            answer = squadron("send", tid, *answer_for(agent, question), cwd=repo)
            assert answer.returncode == 0, answer.stderr
        worktree = Path(now["worktree"])
        done = (worktree / "hello.txt").exists() and now["status"] == "idle" and delivered
        if done:
            break
        time.sleep(0.25)
    else:
        pytest.fail(f"{agent} did not finish; statuses seen: {seen}")
    assert "hello from mock LLM" in (worktree / "hello.txt").read_text()
    expected = QUESTIONS[agent]
    if expected is not None:
        assert expected.lower() in asked.lower(), f"{agent} asked {asked!r}"
        before = [r for r in agent_env.requests() if float(str(r["t"])) < (answered_at or 0)]
        assert not any(marker in t for r in before for t in user_texts(r)), (
            "the prompt went in before the start-up question was answered"
        )
    assert any(s.startswith("working") for s in seen), seen
    assert typed_count(agent_env, marker) == 1, "the prompt must go in exactly once"
