"""The scripted demo agent of ``squadron demo``: a real terminal program, no AI inside.

Run ``python -m squadron.demo.agent [--scenario NAME]`` in a terminal. Like the agent CLIs it
stands in for, it reads raw keys with bracketed paste (pasted newlines never submit, Enter
outside a paste does), shows its input prompt ``❯`` under a ``─`` rule, and keeps its pane title
(OSC 2) on its state: ``✳ demo`` idle, a spinner frame while working, ``! demo`` when asking.

Each instruction plays a short deterministic scenario chosen from its text
(``squadron.demo.sample.scenario_for``): "● Reading …" lines and a spinner with "esc to
interrupt" for a few seconds, a permission question ``Allow edit to FILE? (y/n)`` (``n`` skips
that edit), real edits in the working directory, a summary, then the prompt again. Esc
interrupts a turn; Ctrl-C, or Ctrl-D on an empty prompt, exits with status 0.
"""

from __future__ import annotations

import argparse
import codecs
import os
import re
import select
import shutil
import sys
import termios
import time
import tty
import zlib
from pathlib import Path

from squadron.demo.sample import AGENT_NAME, SCENARIOS, apply_edit, scenario_for

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"
ESC, CTRL_C, CTRL_D, CTRL_U = "\x1b", "\x03", "\x04", "\x15"
_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|O.|[^\[O])", re.S)


class Interrupted(Exception):
    """The user pressed Esc during a turn."""


class DemoAgent:
    def __init__(self, forced: str | None = None) -> None:
        self.forced = forced
        self.pending = ""  # decoded input not yet split into keys
        self.typed_ahead: list[str] = []  # keys that arrived during a turn
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.tick = 0
        self.started = time.monotonic()

    # -- output --------------------------------------------------------------------------------
    def out(self, text: str) -> None:
        sys.stdout.write(text.replace("\n", "\r\n"))  # raw mode: no output translation
        sys.stdout.flush()

    def title(self, text: str) -> None:
        self.out(f"\x1b]2;{text}\x07")

    def log(self, line: str) -> None:
        self.out(f"\r\x1b[K{line}\n")

    def prompt(self) -> None:
        width = min(shutil.get_terminal_size((80, 24)).columns, 100)
        self.title(f"✳ {AGENT_NAME}")
        self.out("\n" + "─" * width + "\n❯ ")

    # -- input ---------------------------------------------------------------------------------
    def _read(self, timeout: float | None) -> str:
        ready, _, _ = select.select([sys.stdin.fileno()], [], [], timeout)
        if not ready:
            return ""
        data = os.read(sys.stdin.fileno(), 4096)
        if not data:
            raise EOFError
        return self.decoder.decode(data)

    def _token(self, timeout: float | None) -> str:
        """The next key or escape sequence from the terminal; '' if none came in time."""
        if not self.pending:
            self.pending = self._read(timeout)
        while self.pending.startswith(ESC) and not _SEQUENCE.match(self.pending):
            more = self._read(0.05)  # the rest of a sequence split across reads, if any
            if not more:
                break
            self.pending += more
        match = _SEQUENCE.match(self.pending)
        size = len(match.group(0)) if match else 1
        token, self.pending = self.pending[:size], self.pending[size:]
        return token

    def key(self) -> str:
        return self.typed_ahead.pop(0) if self.typed_ahead else self._token(None)

    def read_line(self) -> str:
        """An instruction: keys up to Enter outside a paste; blank lines are ignored."""
        text, pasting = "", False
        while True:
            k = self.key()
            if k in (PASTE_START, PASTE_END):
                pasting = k == PASTE_START
            elif k in ("\r", "\n") and pasting:
                text += "\n"
                self.out("↵")
            elif k in ("\r", "\n"):
                if text.strip():
                    self.out("\n")
                    return text
            elif k == CTRL_C or (k == CTRL_D and not text):
                raise KeyboardInterrupt
            elif k in ("\x7f", "\x08", CTRL_U):
                text = text[:-1] if k != CTRL_U else ""
                self.out("\r\x1b[K❯ " + text.replace("\n", "↵"))
            elif k == "\t" or (not k.startswith(ESC) and k >= " "):
                text += k.replace("\t", " ")
                self.out(k.replace("\t", " "))

    def ask(self, path: str) -> bool:
        """``Allow edit to PATH? (y/n)``; keys typed before the question never answer it."""
        self.typed_ahead.clear()
        self.pending = ""
        if os.isatty(sys.stdin.fileno()):
            termios.tcflush(sys.stdin.fileno(), termios.TCIFLUSH)
        self.title(f"! {AGENT_NAME}")
        self.out(f"\r\x1b[KAllow edit to {path}? (y/n) ")
        while True:
            k = self.key()
            if k in ("y", "Y", "n", "N", ESC):
                self.out(("n" if k == ESC else k.lower()) + "\n")
                self.title(f"{SPINNER[0]} {AGENT_NAME}")
                return k in ("y", "Y")
            if k == CTRL_C:
                raise KeyboardInterrupt

    def spin(self, seconds: float, label: str) -> None:
        """Show the working spinner for ``seconds``, watching for Esc and Ctrl-C."""
        end = time.monotonic() + seconds
        while True:
            frame = SPINNER[self.tick % len(SPINNER)]
            self.tick += 1
            self.title(f"{frame} {AGENT_NAME}")
            elapsed = int(time.monotonic() - self.started)
            self.out(f"\r\x1b[K{frame} {label}… {elapsed}s (esc to interrupt)")
            left = end - time.monotonic()
            if left <= 0:
                return
            k = self._token(min(0.1, left))
            if k == ESC:
                raise Interrupted
            if k == CTRL_C:
                raise KeyboardInterrupt
            if k:
                self.typed_ahead.append(k)

    # -- a turn --------------------------------------------------------------------------------
    def run(self, instruction: str) -> None:
        scenario = scenario_for(instruction, self.forced)
        seed = zlib.crc32(instruction.encode("utf-8"))
        self.started = time.monotonic()
        try:
            for path in scenario.reads:
                self.log(f"● Reading {path}")
                self.spin(0.3, "Reading")
            self.spin(1.3 + seed % 6 / 10, "Thinking")
            changed = 0
            for index, edit in enumerate(scenario.edits):
                self.spin(0.4 + (seed >> 4) % 3 / 10, f"Editing {edit.path}")
                if index == scenario.ask and not self.ask(edit.path):
                    self.log(f"  ⎿ Skipped {edit.path}: you said no")
                    continue
                result = apply_edit(Path.cwd(), edit)
                if result is None:
                    self.log(f"● {edit.path} is already up to date")
                else:
                    changed += 1
                    self.log(f"● Edited {edit.path} (+{result[0]} -{result[1]})")
            self.log(f"\n✻ {scenario.summary} {changed} file(s) changed.")
        except Interrupted:
            self.log("  ⎿ Interrupted · what should I do instead?")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m squadron.demo.agent", description="squadron's scripted demo agent"
    )
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), help="play this every turn")
    args = parser.parse_args(argv)
    agent = DemoAgent(args.scenario)
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd) if os.isatty(fd) else None
    if saved is not None:
        tty.setraw(fd)
    try:
        agent.out("\x1b[?2004h")  # bracketed paste, like the real agents
        agent.log(f"✳ squadron demo agent: scripted, no AI. Working in {Path.cwd()}")
        agent.log("  Try: “Add an average_word_length() function”, “Fix top_n ordering”,")
        agent.log("  or “Document the command line in README.md”. Esc interrupts; Ctrl-C quits.")
        while True:
            agent.prompt()
            agent.run(agent.read_line())
    except (EOFError, KeyboardInterrupt):
        return 0
    finally:
        agent.out("\x1b[?2004l\r\n")
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)


if __name__ == "__main__":
    sys.exit(main())
