"""Verified delivery, step by step, on screens shaped like the real agents'."""

from __future__ import annotations

from pathlib import Path

import pytest

from squadron.core.delivery import Action, Delivery, input_area, question_text
from squadron.core.detector import PaneSnapshot
from squadron.core.presets import builtin_presets

PRESETS = builtin_presets()
CLAUDE = PRESETS["claude"]
SHELL = PRESETS["shell"]
RULE = "─" * 30
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "screens"


def claude(box: str = "", above: str = "● Done.") -> PaneSnapshot:
    return PaneSnapshot(f"Claude Code\n{above}\n{RULE}\n❯ {box}\n{RULE}\n  ? for shortcuts")


TRUST = PaneSnapshot(
    "Accessing workspace:\n\n Do you trust the files in this folder?\n\n"
    " ❯ 1. Yes, I trust this folder\n   2. No, exit\n\n Enter to confirm · Esc to cancel"
)
WORKING = PaneSnapshot(f"Claude Code\n✽ Misting… (esc to interrupt)\n{RULE}\n❯ \n{RULE}")


def run(delivery: Delivery, frames: list[tuple[float, PaneSnapshot | None]]) -> list[str]:
    """Feed timed frames; the actions taken, with the time they were taken."""
    out = []
    for at, snap in frames:
        step = delivery.step(snap, at)
        if step.action is not Action.WAIT:
            out.append(f"{at:g} {step.action.value}")
    return out


def test_types_into_a_steady_prompt_confirms_then_submits() -> None:
    d = Delivery(CLAUDE, "please fix the tests", first=False)
    frames = [(0.0, claude()), (0.2, claude()), (0.5, claude())]  # settle 0.4 s
    frames += [(0.6, claude("please fix the tests")), (0.8, claude("please fix the tests"))]
    frames += [(1.0, WORKING)]
    assert run(d, frames) == ["0.5 type", "0.8 enter", "1 done"]  # Enter 0.3 s after typing


def test_submit_waits_for_the_presets_delay() -> None:
    d = Delivery(CLAUDE, "go", first=False)  # claude: 0.3 s between text and Enter
    d.step(claude(), 0.0)
    assert d.step(claude(), 0.5).action is Action.TYPE
    assert d.step(claude("go"), 0.55).action is Action.WAIT
    assert d.step(claude("go"), 0.85).action is Action.ENTER


def test_a_late_start_up_question_is_never_typed_into() -> None:
    """Gemini draws its input box, then its trust dialog 0.6-0.8 s later: the first prompt
    waits longer than that, and the question is the user's."""
    d = Delivery(CLAUDE, "please start", first=True)
    frames = [(0.0, claude()), (0.4, claude()), (0.7, TRUST), (1.0, TRUST), (5.0, TRUST)]
    assert run(d, frames) == []
    step = d.step(TRUST, 6.0)
    assert step.action is Action.WAIT
    assert "Do you trust the files in this folder?" in step.note
    # the user answers; the prompt goes in once the box has been steady long enough
    frames = [(7.0, claude()), (8.0, claude()), (8.6, claude()), (8.7, claude("please start"))]
    assert run(d, frames) == ["8.6 type"]


def test_a_question_that_appears_while_typing_stops_enter_and_resumes_without_retyping() -> None:
    d = Delivery(CLAUDE, "do the thing", first=False)
    assert run(d, [(0.0, claude()), (0.5, claude())]) == ["0.5 type"]
    assert d.step(TRUST, 0.6).action is Action.WAIT  # no Enter into the dialog
    # answered: the box still holds the text, so only Enter is pressed
    frames = [(3.0, claude("do the thing")), (3.5, claude("do the thing"))]
    assert run(d, frames) == ["3.5 enter"]
    assert d.step(WORKING, 3.7).action is Action.DONE


def test_text_that_went_nowhere_is_typed_again_after_the_question() -> None:
    d = Delivery(CLAUDE, "do the thing", first=False)
    run(d, [(0.0, claude()), (0.5, claude()), (0.6, TRUST)])
    assert run(d, [(3.0, claude()), (3.5, claude())]) == ["3.5 type"]


def test_an_enter_read_as_paste_is_pressed_again_then_reported() -> None:
    d = Delivery(CLAUDE, "hello", first=False)
    run(d, [(0.0, claude()), (0.5, claude()), (0.6, claude("hello")), (0.9, claude("hello"))])
    frames = [(1.0, claude("hello")), (2.2, claude("hello")), (3.0, claude("hello"))]
    assert run(d, frames) == ["2.2 enter"]
    step = d.step(claude("hello"), 5.0)
    assert step.action is Action.FAIL and "did not take it" in step.note


def test_text_that_never_shows_is_reported_not_submitted() -> None:
    d = Delivery(CLAUDE, "hello", first=False)
    run(d, [(0.0, claude()), (0.5, claude())])
    assert d.step(claude(), 1.0).action is Action.WAIT
    step = d.step(claude(), 4.0)
    assert step.action is Action.FAIL and "did not show" in step.note


def test_a_placeholder_for_pasted_text_counts_as_shown() -> None:
    text = "first line\nsecond line\nthird"
    d = Delivery(CLAUDE, text, first=False)
    run(d, [(0.0, claude()), (0.5, claude())])
    assert d.step(claude("[Pasted text #1 +3 lines]"), 0.9).action is Action.ENTER
    assert d.step(claude(), 1.0).action is Action.DONE


def test_a_busy_agent_is_waited_for() -> None:
    d = Delivery(CLAUDE, "next", first=False)
    step = d.step(WORKING, 0.0)
    assert step.action is Action.WAIT and "busy" in step.note
    assert run(d, [(5.0, claude()), (5.5, claude())]) == ["5.5 type"]


def test_dead_or_gone_panes_fail_with_a_reason() -> None:
    assert Delivery(CLAUDE, "x", first=False).step(None, 0).note == "its tmux session is gone"
    dead = PaneSnapshot("bye", dead=True, exit_status=1)
    assert Delivery(CLAUDE, "x", first=False).step(dead, 0).action is Action.FAIL
    # an agent that ends right after taking the text ("/exit") took it
    d = Delivery(CLAUDE, "/exit", first=False)
    run(d, [(0.0, claude()), (0.5, claude()), (0.6, claude("/exit")), (0.9, claude("/exit"))])
    assert d.step(dead, 1.0).action is Action.DONE


def test_line_mode_programs_read_the_last_line() -> None:
    d = Delivery(SHELL, "echo a long command that wraps past the edge of the pane", first=False)
    prompt = PaneSnapshot("$ ls\nREADME.md\n$ ", current_command="sh")
    assert run(d, [(0.0, prompt), (0.5, prompt)]) == ["0.5 type"]
    wrapped = PaneSnapshot("$ ls\nREADME.md\n$ echo a long command that wr\naps past the edge")
    assert d.step(wrapped, 0.6).action is Action.ENTER
    done = PaneSnapshot("$ ls\nREADME.md\n$ echo …\na long command …\n$ ", current_command="sh")
    assert d.step(done, 0.8).action is Action.DONE


@pytest.mark.parametrize(
    ("agent", "name", "question"),
    [
        ("claude", "waiting--cc-permission.txt", "Do you want to"),
        ("claude", "waiting--cc-start-bypass-untrusted.txt", "one you trust?"),
        ("gemini", "waiting--gem-start2.txt", "?"),
        ("codex", "waiting--codex-approval.txt", "?"),
        ("aider", "waiting--aider-start-q1.txt", "(Y)es/(N)o"),
    ],
)
def test_the_question_is_read_from_real_screens(agent: str, name: str, question: str) -> None:
    screen = (FIXTURES / agent / name).read_text(encoding="utf-8").partition("\n")[2]
    text = question_text(PRESETS[agent], screen)
    assert question in text and len(text) <= 160 and "\n" not in text


def test_input_area_of_real_idle_screens_is_small() -> None:
    for path in sorted(FIXTURES.glob("*/idle--*.txt")):
        preset = PRESETS[path.parent.name]
        screen = path.read_text(encoding="utf-8").partition("\n")[2]
        area = input_area(preset, screen)
        assert len([ln for ln in area.splitlines() if ln.strip()]) <= 14, path.name
