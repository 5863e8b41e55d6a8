"""The status detector: every real capture, the region rules, the tracker's hysteresis."""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from squadron.core.detector import (
    PaneSnapshot,
    StatusTracker,
    classify,
    is_ready,
    safe_to_approve,
    split_screen,
)
from squadron.core.presets import Preset, builtin_presets, match_preset, merge_presets
from squadron.core.status import Provenance, Status, StatusReading

# Screens captured from the five real agent CLIs, copied into the project so a clone tests them.
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "screens"
HEADER = re.compile(r"pane_current_command=(\S*)\s+pane_dead=(\d)\s+pid=\S*\s+title=(.*)$")
PRESETS = builtin_presets()
RULE = "─" * 40


# -- the real captures -----------------------------------------------------------------------


@dataclass(frozen=True)
class Capture:
    agent: str
    expected: Status
    snap: PaneSnapshot


def load_capture(path: Path) -> Capture:
    """A fixture file: header line with the tmux facts, then the screen."""
    head, _, screen = path.read_text(encoding="utf-8", errors="replace").partition("\n")
    match = HEADER.search(head)
    assert match, f"{path.name}: malformed header {head!r}"
    command, dead, title = match.groups()
    exit_match = re.search(r"Pane is dead \(status (\d+)", screen)
    snap = PaneSnapshot(
        screen=screen,
        title=title,
        current_command=command,
        dead=dead == "1",
        exit_status=int(exit_match.group(1)) if exit_match else None,
    )
    return Capture(path.parent.name, Status(path.name.split("--", 1)[0]), snap)


def capture_params() -> list[Any]:
    return [
        pytest.param(p, id=f"{p.parent.name}/{p.name}") for p in sorted(FIXTURES.glob("*/*--*.txt"))
    ]


CAPTURES = capture_params()


def test_the_real_captures_are_in_the_project() -> None:
    agents = {p.parent.name for p in FIXTURES.glob("*/*--*.txt")}
    assert agents == {"aider", "claude", "codex", "gemini", "opencode"}
    assert len(CAPTURES) >= 61


@pytest.mark.parametrize("path", CAPTURES)
def test_capture_classifies_as_its_name_says(path: Path) -> None:
    capture = load_capture(path)
    reading = classify(PRESETS[capture.agent], capture.snap)
    assert reading is not None and reading.status is capture.expected, path.name
    if capture.expected is Status.EXITED:
        assert reading.provenance is Provenance.PROCESS
        assert reading.exit_code == capture.snap.exit_status


@pytest.mark.parametrize("path", CAPTURES)
def test_input_prompt_is_ready_exactly_on_idle_captures(path: Path) -> None:
    capture = load_capture(path)
    assert is_ready(PRESETS[capture.agent], capture.snap) is (capture.expected is Status.IDLE)


@pytest.mark.parametrize("path", CAPTURES)
def test_screen_alone_classifies_without_the_title(path: Path) -> None:
    """Titles corroborate; the screen must suffice (users can switch terminal titles off)."""
    capture = load_capture(path)
    reading = classify(PRESETS[capture.agent], replace(capture.snap, title=""))
    assert reading is not None and reading.status is capture.expected


def test_accuracy_report(capsys: pytest.CaptureFixture[str]) -> None:
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    missed = []
    for path in sorted(FIXTURES.glob("*/*--*.txt")):
        capture = load_capture(path)
        reading = classify(PRESETS[capture.agent], capture.snap)
        total[capture.agent] += 1
        if reading is not None and reading.status is capture.expected:
            right[capture.agent] += 1
        else:
            missed.append(f"{capture.agent}/{path.name}")
    lines = [f"{agent:9} {right[agent]}/{total[agent]}" for agent in sorted(total)]
    with capsys.disabled():
        print(
            "\ndetector accuracy on real captures:\n  "
            + "\n  ".join(lines)
            + f"\n  all       {sum(right.values())}/{sum(total.values())}"
        )
    assert set(total) == {"aider", "claude", "codex", "gemini", "opencode"}
    assert sum(total.values()) >= 61
    assert not missed


# -- screen regions --------------------------------------------------------------------------


def claude_screen(*transcript: str, box: str = "❯ ", footer: str = "  ? for shortcuts") -> str:
    return "\n".join([*transcript, "", RULE, box, RULE, footer, "", ""])


def test_question_text_above_a_visible_input_box_is_history() -> None:
    screen = claude_screen(
        "❯ tidy up", "● Done.", "  Do you want to proceed with the rename too?", "✻ Worked for 3s"
    )
    reading = classify(PRESETS["claude"], PaneSnapshot(screen, title="✳ Claude Code"))
    assert reading is not None and reading.status is Status.IDLE


def test_question_without_input_box_is_waiting() -> None:
    screen = "\n".join(
        [
            "● Bash(rm -rf build)",
            RULE,
            " Bash command",
            "   rm -rf build",
            " Do you want to proceed?",
            " ❯ 1. Yes",
            "   2. No",
            "",
        ]
    )
    reading = classify(PRESETS["claude"], PaneSnapshot(screen))
    assert reading is not None and reading.status is Status.WAITING


def test_working_marker_typed_into_the_box_is_not_working() -> None:
    screen = claude_screen("❯ hi", "● Hello.", box="❯ ✻ Thinking… esc to interrupt")
    parts = split_screen(PRESETS["claude"], screen)
    assert parts.has_box and "Thinking" in parts.live and "Thinking" not in parts.above
    reading = classify(PRESETS["claude"], PaneSnapshot(screen))
    assert reading is not None and reading.status is Status.IDLE


def test_waiting_outranks_working_and_titles() -> None:
    screen = "\n".join(
        [
            "✽ Misting… (3s)",
            RULE,
            " Do you want to create a.txt?",
            " ❯ 1. Yes",
            " Esc to cancel · Tab to amend",
        ]
    )
    reading = classify(PRESETS["claude"], PaneSnapshot(screen, title="⠂ Claude Code"))
    assert reading is not None and reading.status is Status.WAITING
    gemini_trust = "\n".join([" │ Do you trust the files in this folder?", " │ ● 1. Trust folder"])
    reading = classify(PRESETS["gemini"], PaneSnapshot(gemini_trust, title="◇  Ready (x)"))
    assert reading is not None and reading.status is Status.WAITING


def test_titles_decide_when_the_screen_is_silent() -> None:
    silent = "some output the presets do not know\n"
    cases = {
        ("codex", "[ ! ] Action Required | x"): Status.WAITING,
        ("codex", "⠏ x"): Status.WORKING,
        ("gemini", "✦  Working… (x)"): Status.WORKING,
        ("gemini", "◇  Ready (x)"): Status.IDLE,
        ("claude", "✳ Claude Code"): None,
    }
    for (agent, title), expected in cases.items():
        reading = classify(PRESETS[agent], PaneSnapshot(silent, title=title))
        assert (reading.status if reading else None) is expected, (agent, title)


def test_blank_screen_is_starting_and_dead_pane_is_exited() -> None:
    for preset in PRESETS.values():
        reading = classify(preset, PaneSnapshot("\n  \n\n", title="◇  Ready"))
        assert reading is not None and reading.status is Status.STARTING
        dead = classify(preset, PaneSnapshot("bye", dead=True, exit_status=3))
        assert dead is not None and (dead.status, dead.provenance, dead.exit_code) == (
            Status.EXITED,
            Provenance.PROCESS,
            3,
        )


def test_unknown_and_hostile_screens_do_not_crash() -> None:
    rng = random.Random(7)
    alphabet = "abc >❯›─│┃╹▀?()[]\\\n\t\x1b[31m\x00é✳⠏…"
    screens = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400))) for _ in range(200)
    ]
    screens += ["x" * 100_000, "\n" * 5000, "\x1b]0;title\x07\r\n\r\n", "(" * 1000]
    for preset in PRESETS.values():
        tracker = StatusTracker(preset)
        for i, screen in enumerate(screens):
            classify(preset, PaneSnapshot(screen, title=screen[:50]))
            is_ready(preset, PaneSnapshot(screen))
            tracker.observe(PaneSnapshot(screen), changed=True, now=float(i))
    reading = classify(PRESETS["claude"], PaneSnapshot("plain text\nno markers\n"))
    assert reading is None


# -- is_ready and safe approval --------------------------------------------------------------


def test_is_ready_for_agents() -> None:
    claude = PRESETS["claude"]
    assert is_ready(claude, PaneSnapshot(claude_screen("❯ hi", "● Hello.")))
    assert not is_ready(claude, PaneSnapshot(claude_screen("❯ hi", "✽ Misting…")))
    assert not is_ready(claude, PaneSnapshot(claude_screen("❯ hi"), title="⠂ Claude Code"))
    assert not is_ready(claude, PaneSnapshot(" Do you want to use this API key?\n ❯ 1. Yes\n"))
    assert not is_ready(claude, PaneSnapshot(""))
    assert not is_ready(claude, PaneSnapshot(claude_screen("❯ hi"), dead=True))
    assert not is_ready(claude, PaneSnapshot("Welcome to Claude Code\nloading…\n"))


def test_is_ready_for_shell_needs_a_shell_in_the_foreground() -> None:
    shell = PRESETS["shell"]
    assert is_ready(shell, PaneSnapshot("user@host:~$", current_command="bash"))
    assert is_ready(shell, PaneSnapshot("$", current_command="/usr/bin/zsh"))
    assert is_ready(shell, PaneSnapshot("$"))  # tmux did not say: trust the screen
    assert not is_ready(shell, PaneSnapshot("~ vim ~", current_command="vim"))
    assert not is_ready(shell, PaneSnapshot("", current_command="bash"))


def test_safe_to_approve_edits_but_never_commands_or_history() -> None:
    claude = PRESETS["claude"]
    edit = "\n".join(
        [
            " Create file",
            " a.txt",
            " Do you want to create a.txt?",
            " ❯ 1. Yes",
            "   2. No",
            " Esc to cancel · Tab to amend",
        ]
    )
    command = "\n".join(
        [
            " Bash command",
            "   rm -rf /",
            " Do you want to proceed?",
            " ❯ 1. Yes",
            " Esc to cancel · Tab to amend",
        ]
    )
    history = claude_screen("  Do you want to create a.txt?", "● Created a.txt.")
    assert safe_to_approve(claude, PaneSnapshot(edit))
    assert not safe_to_approve(claude, PaneSnapshot(command))
    assert not safe_to_approve(claude, PaneSnapshot(history))
    assert not safe_to_approve(PRESETS["shell"], PaneSnapshot(edit))
    aider = PRESETS["aider"]
    assert safe_to_approve(aider, PaneSnapshot("a.py\nCreate new file? (Y)es/(N)o [Yes]:"))
    assert not safe_to_approve(aider, PaneSnapshot("Run shell command? (Y)es/(N)o [Yes]:"))


# -- matching a pane to a preset -------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "argv", "expected"),
    [
        ("claude", ["/usr/local/bin/claude", "--dangerously-skip-permissions"], "claude"),
        (
            "node",
            ["node", "/usr/lib/node_modules/@openai/codex/bin/codex.js", "--full-auto"],
            "codex",
        ),
        ("node", ["/opt/homebrew/bin/gemini", "-y", "--model", "pro"], "gemini"),
        ("", ["env", "FOO=1", "/opt/gemini/bin/gemini", "-y"], "gemini"),
        ("python3", ["/home/u/.local/bin/aider", "--model", "x"], "aider"),
        ("python3", [], "aider"),
        ("opencode", [], "opencode"),
        ("/bin/bash", [], "shell"),
        ("node", [], None),  # codex and gemini both run as node: undecided
        ("vim", ["vim", "notes.md"], None),
    ],
)
def test_match_preset(current: str, argv: list[str], expected: str | None) -> None:
    found = match_preset(PRESETS, current, argv)
    assert (found.name if found else None) == expected


def test_match_preset_prefers_the_most_specific_user_command() -> None:
    presets = merge_presets(
        PRESETS, {"opus": {"extends": "claude", "command": ["claude", "--model", "opus"]}}
    )
    found = match_preset(presets, "claude", ["/bin/claude", "--model", "opus", "--verbose"])
    assert found is not None and found.name == "opus"
    found = match_preset(presets, "claude", ["claude"])
    assert found is not None and found.name == "claude"


# -- the tracker over time -------------------------------------------------------------------


def toy_preset() -> Preset:
    """A small made-up agent, so the tracker tests read on their own."""
    return merge_presets(
        {},
        {
            "toy": {
                "command": ["toy"],
                "input_box": ["^─+\n>"],
                "ready": ["^─+\n>"],
                "working": [r"Working… \(esc"],
                "waiting": [r"^Allow this\? \(y/n\)"],
            }
        },
    )["toy"]


TOY = toy_preset()
BOX = f"\n{RULE}\n> "
TOY_WORKING = "task" + "\nWorking… (esc to stop)" + BOX
TOY_IDLE = "task\ndone" + BOX
TOY_WAITING = "task\nAllow this? (y/n)"


def snap(screen: str, **kw: Any) -> PaneSnapshot:
    return PaneSnapshot(screen=screen, **kw)


def statuses(tracker: StatusTracker, steps: list[tuple[float, str, bool]]) -> list[str]:
    """Feed (time, screen, changed) steps; the labels seen, e.g. ``working?``."""
    return [tracker.observe(snap(screen), changed, now).label for now, screen, changed in steps]


def test_nothing_seen_yet_is_starting() -> None:
    tracker = StatusTracker(TOY)
    assert tracker.current.status is Status.STARTING
    assert tracker.observe(snap(""), changed=False, now=0.0).status is Status.STARTING
    assert tracker.observe(snap("booting"), changed=True, now=0.1).status is Status.STARTING


def test_activity_idle_needs_debounce_and_a_second_reading() -> None:
    tracker = StatusTracker(TOY, debounce=1.5)
    seen = statuses(
        tracker,
        [
            (0.0, "a", True),
            (0.5, "ab", True),
            (1.0, "ab", False),
            (2.1, "ab", False),
            (2.6, "ab", False),
        ],
    )
    assert seen == ["starting", "working", "working", "working", "idle"]
    assert tracker.current.provenance is Provenance.ACTIVITY


def test_no_flapping_to_idle_mid_turn() -> None:
    tracker = StatusTracker(TOY, debounce=1.5)
    seen = statuses(
        tracker,
        [
            (0.0, "a", True),
            (0.1, "ab", True),
            (1.7, "ab", False),  # one settled reading: not yet idle
            (1.8, "abc", True),  # output again: the vote is void
            (3.4, "abc", False),
            (3.5, "abcd", True),
            (5.1, "abcd", False),
        ],
    )
    assert "idle" not in seen


def test_screen_idle_needs_a_second_fresh_reading_not_a_debounce() -> None:
    """A recognised idle screen is reported as soon as a second capture agrees (a capture
    taken mid-redraw can miss the spinner); the same capture passed again does not count."""
    tracker = StatusTracker(TOY, debounce=1.5)
    working = snap(TOY_WORKING)
    idle = snap(TOY_IDLE)
    assert tracker.observe(working, True, 0.0).status is Status.WORKING
    assert tracker.observe(idle, True, 1.0).status is Status.WORKING
    assert tracker.idle_pending
    assert tracker.observe(idle, False, 1.02, fresh=False).status is Status.WORKING
    assert tracker.observe(idle, False, 1.05).status is Status.IDLE
    assert tracker.current.provenance is Provenance.SCREEN and not tracker.idle_pending
    # a half-drawn frame that lost its spinner is voided by the next capture
    tracker = StatusTracker(TOY)
    tracker.observe(working, True, 0.0)
    tracker.observe(idle, True, 0.1)
    assert tracker.observe(working, True, 0.15).status is Status.WORKING
    assert tracker.observe(idle, True, 0.2).status is Status.WORKING


def test_a_submitted_instruction_holds_working_until_the_agent_starts() -> None:
    tracker = StatusTracker(TOY, submit_grace=1.5)
    idle = snap(TOY_IDLE)
    statuses(tracker, [(0.0, TOY_IDLE, True), (0.1, TOY_IDLE, False)])
    assert tracker.current.status is Status.IDLE
    tracker.expect_work(1.0)
    assert tracker.observe(idle, True, 1.1).status is Status.WORKING  # box cleared, no spinner
    assert tracker.observe(idle, False, 1.2).status is Status.WORKING
    assert tracker.observe(snap(TOY_WORKING), True, 1.3).status is Status.WORKING
    tracker.observe(idle, True, 2.0)
    assert tracker.observe(idle, False, 2.1).status is Status.IDLE  # worked, then done
    # an agent that never shows work goes idle once the grace is over
    tracker.expect_work(3.0)
    assert tracker.observe(idle, True, 3.1).status is Status.WORKING
    tracker.observe(idle, False, 4.6)
    assert tracker.observe(idle, False, 4.7).status is Status.IDLE


def test_a_recorded_status_survives_a_new_tracker() -> None:
    """A restarted supervisor starts from what was recorded: no starting/working flicker."""
    tracker = StatusTracker(TOY)
    tracker.seed(StatusReading(Status.IDLE, Provenance.SCREEN), TOY_IDLE, now=100.0)
    assert tracker.observe(snap(TOY_IDLE), False, 100.1).label == "idle"
    shell = StatusTracker(builtin_presets()["shell"])
    shell.seed(StatusReading(Status.IDLE, Provenance.ACTIVITY), "$ ", now=5.0)
    assert shell.observe(snap("$ ", current_command="sh"), False, 5.1).status is Status.IDLE


def test_an_agent_back_at_its_shell_has_exited() -> None:
    codex = PRESETS["codex"]
    screen = "Token usage: total=480\nTo continue this session, run codex resume 01a2\n$ "
    reading = classify(codex, PaneSnapshot(screen, current_command="bash"))
    assert reading is not None and reading.status is Status.EXITED
    assert reading.provenance is Provenance.PROCESS
    assert not is_ready(codex, PaneSnapshot(screen, current_command="bash"))
    # the launcher's shell before the agent starts shows nothing yet: starting
    reading = classify(codex, PaneSnapshot("", current_command="sh"))
    assert reading is not None and reading.status is Status.STARTING


def test_idle_holds_while_the_user_types_into_the_box() -> None:
    tracker = StatusTracker(TOY, debounce=1.5)
    statuses(tracker, [(0.0, TOY_IDLE, True), (0.1, TOY_IDLE, False), (1.6, TOY_IDLE, False)])
    assert tracker.current.status is Status.IDLE
    assert tracker.observe(snap(TOY_IDLE + "fix th"), changed=True, now=1.7).status is Status.IDLE


def test_waiting_and_working_count_at_once() -> None:
    tracker = StatusTracker(TOY)
    assert statuses(
        tracker,
        [
            (0.0, TOY_IDLE, True),
            (0.1, TOY_IDLE, False),
            (1.6, TOY_IDLE, False),
            (1.7, TOY_WAITING, True),
            (1.8, TOY_WORKING, True),
        ],
    ) == ["starting", "idle", "idle", "waiting", "working"]


def test_blank_frame_mid_session_is_not_starting() -> None:
    tracker = StatusTracker(TOY)
    statuses(tracker, [(0.0, TOY_WORKING, True)])
    assert tracker.observe(snap(""), changed=True, now=0.5).status is Status.WORKING


def test_silent_working_agent_is_marked_stalled() -> None:
    tracker = StatusTracker(TOY, stall_after=120.0)
    assert tracker.observe(snap(TOY_WORKING), changed=True, now=0.0).label == "working"
    assert tracker.observe(snap(TOY_WORKING), changed=False, now=119.0).label == "working"
    stalled = tracker.observe(snap(TOY_WORKING), changed=False, now=121.0)
    assert (stalled.status, stalled.unsure, stalled.label) == (Status.WORKING, True, "working?")
    assert not tracker.observe(snap(TOY_WORKING + "x"), changed=True, now=122.0).unsure


def test_session_gone_is_lost_and_dead_pane_is_exited() -> None:
    tracker = StatusTracker(TOY)
    tracker.observe(snap(TOY_WORKING), changed=True, now=0.0)
    lost = tracker.observe(None, changed=False, now=1.0)
    assert (lost.status, lost.provenance) == (Status.LOST, Provenance.PROCESS)
    exited = tracker.observe(snap("bye", dead=True, exit_status=2), changed=True, now=2.0)
    assert (exited.status, exited.provenance, exited.exit_code) == (
        Status.EXITED,
        Provenance.PROCESS,
        2,
    )


def test_hook_wins_over_activity_and_agreeing_screens() -> None:
    tracker = StatusTracker(TOY)
    tracker.observe(snap("a"), changed=True, now=0.0)
    tracker.hook(Status.IDLE, now=0.5)
    for now, text in [(1.0, "ab"), (2.0, "abc"), (30.0, "abcd")]:  # redraws: still idle
        reading = tracker.observe(snap(text), changed=True, now=now)
        assert (reading.status, reading.provenance) == (Status.IDLE, Provenance.HOOK)


def test_screen_waiting_overrides_a_hook_at_once() -> None:
    tracker = StatusTracker(TOY)
    tracker.hook(Status.WORKING, now=0.0)
    reading = tracker.observe(snap(TOY_WAITING), changed=True, now=0.1)
    assert (reading.status, reading.provenance) == (Status.WAITING, Provenance.SCREEN)
    # the hook is spent: later readings go by the screen and activity
    assert tracker.observe(snap("x"), changed=True, now=0.2).provenance is Provenance.ACTIVITY


def test_newer_hook_replaces_older_and_late_events_are_ignored() -> None:
    tracker = StatusTracker(TOY)
    tracker.hook(Status.WORKING, now=1.0)
    tracker.hook(Status.IDLE, now=2.0)
    tracker.hook(Status.WORKING, now=1.5)  # arrived late
    assert tracker.observe(snap("a"), changed=True, now=2.1).status is Status.IDLE


def test_dead_pane_overrides_a_hook() -> None:
    tracker = StatusTracker(TOY)
    tracker.hook(Status.WORKING, now=0.0)
    assert tracker.observe(snap("x", dead=True), changed=True, now=0.1).status is Status.EXITED


def test_steady_contradicting_screen_retires_a_hook_after_grace() -> None:
    tracker = StatusTracker(TOY, debounce=1.5, hook_grace=3.0)
    tracker.hook(Status.IDLE, now=0.0)  # e.g. Codex notify; then a new turn without a hook
    seen = [
        tracker.observe(snap(TOY_WORKING + str(i)), changed=True, now=t)
        for i, t in enumerate([1.0, 3.5, 4.0, 5.1])
    ]
    assert [(r.status, r.provenance) for r in seen] == [
        (Status.IDLE, Provenance.HOOK),
        (Status.IDLE, Provenance.HOOK),
        (Status.IDLE, Provenance.HOOK),
        (Status.WORKING, Provenance.SCREEN),
    ]


def test_hook_working_can_stall() -> None:
    tracker = StatusTracker(TOY, stall_after=60.0)
    tracker.observe(snap("a"), changed=True, now=0.0)
    tracker.hook(Status.WORKING, now=0.0)
    assert tracker.observe(snap("a"), changed=False, now=61.0).label == "working?"


def test_shell_idles_when_the_shell_is_back_in_the_foreground() -> None:
    shell = PRESETS["shell"]
    assert shell.activity_only
    tracker = StatusTracker(shell, debounce=1.5)
    tracker.observe(snap("$", current_command="bash"), changed=True, now=0.0)
    out = "$ make\nbuilding"
    assert (
        tracker.observe(snap(out, current_command="make"), changed=True, now=0.5).status
        is Status.WORKING
    )
    done = out + "\n$"
    assert (
        tracker.observe(snap(done, current_command="bash"), changed=True, now=1.0).status
        is Status.WORKING
    )
    reading = tracker.observe(snap(done, current_command="bash"), changed=False, now=2.6)
    assert (reading.status, reading.provenance) == (Status.IDLE, Provenance.PROCESS)


def test_shell_with_a_program_in_the_foreground_goes_by_activity() -> None:
    tracker = StatusTracker(PRESETS["shell"], debounce=1.5)
    seen = [
        tracker.observe(snap(s, current_command="python3"), changed=c, now=t).label
        for t, s, c in [
            (0.0, "$", True),
            (0.5, ">>>", True),
            (2.1, ">>>", False),
            (2.6, ">>>", False),
        ]
    ]
    assert seen == ["starting", "working", "working", "idle"]


def test_presets_from_the_live_run() -> None:
    """Codex's hook review waits for the user; aider is busy writing a commit message."""
    codex = PRESETS["codex"]
    review = "  >_ OpenAI Codex\n\n  Hooks need review\n  2 hooks run outside the sandbox\n\n"
    review += "  › 1. Review hooks\n    2. Trust all\n\n  enter confirm · esc skip"
    reading = classify(codex, PaneSnapshot(review, current_command="node"))
    assert reading is not None and reading.status is Status.WAITING
    aider = PRESETS["aider"]
    screen = "Applied edit to hello.txt\n⠋ Generating commit message with openai/mock-model"
    reading = classify(aider, PaneSnapshot(screen, current_command="python3"))
    assert reading is not None and reading.status is Status.WORKING
