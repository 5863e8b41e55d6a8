#!/usr/bin/env python3
"""A scripted stand-in for an agent CLI, used by the tests (the only stand-in they use).

It behaves like a real agent on a terminal: raw-mode input with bracketed paste, a prompt line
``> `` it redraws, a braille spinner with "esc to interrupt" while busy, a yes/no permission
question, file edits and commits, an OSC title that follows its state, and Claude-style hooks
read from ``--settings FILE``.

Each submitted instruction is a list of directives separated by ``;;``:

    work N            be busy (spinner) for N seconds
    write PATH TEXT   write TEXT to PATH (relative to the working directory)
    append PATH TEXT  append a line
    ask QUESTION      ask "QUESTION (y/n)" and wait for y or n
    commit MESSAGE    git add -A && git commit -m MESSAGE
    exit CODE         end with that exit code
    silent N          stay "busy" but print nothing for N seconds (a stalled agent)
    flip N            show a busy line above the prompt, then N seconds later (in the same
                      second) redraw it in place as done: same cursor, title and history
    anything else     replied to with "ok: <text>"

Every raw instruction received is appended to the file named by $FAKE_AGENT_LOG (one JSON
string per line), so tests can check that text arrived literally. With $FAKE_AGENT_FRAMES set,
the wall-clock time of each frame that shows a new state (``working``, ``waiting``, ``idle``,
``exited``) and of each hook it fires (``hook:<event>``) is appended there, one ``TIME NAME``
per line: the benchmarks measure status latency from it.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import termios
import time
import tty
from pathlib import Path

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
PASTE_START = b"\x1b[200~"
PASTE_END = b"\x1b[201~"


class Agent:
    def __init__(self, settings: dict[str, object], name: str) -> None:
        self.hooks = settings.get("hooks", {}) if isinstance(settings, dict) else {}
        self.name = name
        self.buffer = b""
        self.prompt_drawn = False  # a directive drew the prompt itself

    # -- output ------------------------------------------------------------------------------
    def out(self, text: str) -> None:
        sys.stdout.write(text.replace("\n", "\r\n"))
        sys.stdout.flush()

    @staticmethod
    def frame(name: str) -> None:
        """Note when a frame showing a new state (or a hook) went out (see the docstring)."""
        path = os.environ.get("FAKE_AGENT_FRAMES")
        if path:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(f"{time.time():.6f} {name}\n")

    def title(self, text: str) -> None:
        self.out(f"\x1b]2;{text}\x07")

    def prompt(self) -> None:
        self.title(f"✳ {self.name}")
        self.out("─" * 40 + "\n> ")
        self.frame("idle")

    # -- hooks -------------------------------------------------------------------------------
    def hook(self, event: str, **payload: object) -> None:
        entries = self.hooks.get(event, []) if isinstance(self.hooks, dict) else []
        for entry in entries:
            for h in entry.get("hooks", []):
                data = json.dumps({"hook_event_name": event, **payload})
                subprocess.run(h["command"], shell=True, input=data.encode(), check=False)
                self.frame(f"hook:{event}")

    # -- input -------------------------------------------------------------------------------
    def read_byte(self, timeout: float | None = None) -> bytes:
        ready, _, _ = select.select([0], [], [], timeout)
        if not ready:
            return b""
        data = os.read(0, 65536)
        if not data:
            raise EOFError
        return data

    def read_line(self) -> str:
        """Read until Enter outside a bracketed paste, echoing like a line editor."""
        line = b""
        in_paste = False
        while True:
            if not self.buffer:
                self.buffer = self.read_byte()
            chunk, self.buffer = self.buffer, b""
            i = 0
            while i < len(chunk):
                if chunk.startswith(PASTE_START, i):
                    in_paste, i = True, i + len(PASTE_START)
                    continue
                if chunk.startswith(PASTE_END, i):
                    in_paste, i = False, i + len(PASTE_END)
                    continue
                b = chunk[i : i + 1]
                i += 1
                if b in (b"\r", b"\n") and not in_paste:
                    self.buffer = chunk[i:]
                    self.out("\n")
                    return line.decode("utf-8", "replace")
                if b == b"\x7f":
                    line = line[:-1]
                    continue
                if b == b"\x03":
                    raise KeyboardInterrupt
                line += b
                self.out(b.decode("utf-8", "replace") if b != b"\r" else "")

    def ask(self, question: str) -> bool:
        self.title(f"! {self.name}")
        self.hook("Notification", notification_type="permission_prompt", message=question)
        self.out(f"{question} (y/n) ")
        self.frame("waiting")
        while True:
            if not self.buffer:
                self.buffer = self.read_byte()
            ch, self.buffer = self.buffer[:1], self.buffer[1:]
            if ch in (b"y", b"Y", b"n", b"N"):
                self.out(ch.decode() + "\n")
                self.hook("PostToolUse")
                return ch in (b"y", b"Y")
            if ch.isalnum():  # a human typing at the question: shown, then asked again
                self.out(f"[{ch.decode()}]\n{question} (y/n) ")

    def busy(self, seconds: float, show: bool = True) -> None:
        end = time.monotonic() + seconds
        i = 0
        while time.monotonic() < end:
            if show:
                frame = SPINNER[i % len(SPINNER)]
                self.title(f"{frame} {self.name}")
                self.out(f"\r{frame} Working… ({i // 10}s · esc to interrupt)\x1b[K")
                if i == 0:
                    self.frame("working")
            i += 1
            time.sleep(0.1)
        if show:
            self.out("\r\x1b[K")

    def flip(self, seconds: float) -> None:
        """A frame redrawn in place, as OpenCode does: the busy line turns into a done line
        with the cursor, title and history as they were, within one wall-clock second."""
        time.sleep(1.02 - time.time() % 1)  # just after a second starts
        busy, done = "⠿ Thinking (esc to interrupt)", "⠿ Done"
        self.title(f"✳ {self.name}")
        self.out(f"{busy}\n" + "─" * 40 + "\n> ")
        time.sleep(seconds)
        # save the cursor, go up two lines, rewrite the line, restore the cursor
        self.out(f"\x1b7\x1b[2A\r{done}{' ' * (len(busy) - len(done))}\x1b8")
        self.prompt_drawn = True

    # -- directives --------------------------------------------------------------------------
    def run(self, instruction: str) -> None:
        self.hook("UserPromptSubmit", prompt=instruction)
        log = os.environ.get("FAKE_AGENT_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(instruction) + "\n")
        for directive in instruction.split(";;"):
            self.directive(directive.strip())
        self.hook("Stop")

    def directive(self, text: str) -> None:
        verb, _, rest = text.partition(" ")
        if verb == "work":
            self.busy(float(rest or 1))
        elif verb == "silent":
            self.title(f"⠋ {self.name}")
            self.busy(float(rest or 1), show=False)
        elif verb in ("write", "append"):
            path, _, body = rest.partition(" ")
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("a" if verb == "append" else "w", encoding="utf-8") as fh:
                fh.write(body + "\n")
            self.out(f"● edited {path}\n")
        elif verb == "ask":
            answer = self.ask(rest or "Do you want to proceed?")
            self.out(f"● answer: {'yes' if answer else 'no'}\n")
        elif verb == "commit":
            subprocess.run(["git", "add", "-A"], check=False, capture_output=True)
            subprocess.run(
                ["git", "commit", "-qm", rest or "fake commit"], check=False, capture_output=True
            )
            self.out(f"● committed {rest}\n")
        elif verb == "flip":
            self.flip(float(rest or 0.3))
        elif verb == "exit":
            self.frame("exited")
            raise SystemExit(int(rest or 0))
        elif text:
            self.out(f"● ok: {text[:200]}\n")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--settings", help="Claude-style settings file with hooks")
    parser.add_argument("--start-delay", type=float, default=0.0)
    parser.add_argument("--trust", action="store_true", help="ask a trust question at start")
    parser.add_argument(
        "--late-trust",
        type=float,
        default=0.0,
        metavar="S",
        help="show the prompt, then S seconds later ask a trust question",
    )
    parser.add_argument("--name", default="fake-agent")
    parser.add_argument("initial", nargs="*", help="an initial instruction passed as argument")
    args = parser.parse_args()
    settings: dict[str, object] = {}
    if args.settings:
        settings = json.loads(Path(args.settings).read_text(encoding="utf-8"))
    agent = Agent(settings, args.name)
    old = termios.tcgetattr(0) if os.isatty(0) else None
    if old is not None:
        tty.setraw(0)
    try:
        agent.out("\x1b[?2004h")  # ask the terminal for bracketed paste, like real agents
        agent.title(f"{args.name}")
        agent.out(f"fake-agent 1.0 in {os.getcwd()}\n")
        agent.hook("SessionStart")
        if args.start_delay:
            agent.busy(args.start_delay, show=False)
        if args.late_trust:  # ready first, then a question (as Gemini's trust dialog)
            agent.prompt()
            time.sleep(args.late_trust)
            agent.out("\x1b[2K\r")
            if not agent.ask("Do you trust the files in this folder?"):
                return 1
        if args.trust and not agent.ask("Do you trust the files in this folder?"):
            return 1
        if args.initial:
            agent.run(" ".join(args.initial))
        while True:
            if not agent.prompt_drawn:
                agent.prompt()
            agent.prompt_drawn = False
            agent.run(agent.read_line())
    except (EOFError, KeyboardInterrupt):
        return 0
    except SystemExit as exc:
        return int(exc.code or 0)
    finally:
        agent.hook("SessionEnd")
        if old is not None:
            termios.tcsetattr(0, termios.TCSADRAIN, old)


if __name__ == "__main__":
    sys.exit(main())
