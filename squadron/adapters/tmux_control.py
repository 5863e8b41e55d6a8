"""One long-lived tmux control-mode connection: tmux commands without a process per call.

``tmux -C attach-session`` keeps a client connected to squadron's private server; each command
is one line on its stdin and its answer comes back on stdout framed by ``%begin``/``%end`` (or
``%error``). Reading every pane once costs the server about 0.4 ms and squadron no process
spawn at all, where running ``tmux`` costs ~3 ms of CPU per call: this is what lets the
supervisor read every pane ten times a second for a fraction of a percent of a core.

What travels this way is only squadron's own fixed-form commands: pane ids, session names,
numbers and format strings. tmux parses a control line with its command language (quotes,
``;``, ``{}``, ``~``), so every argument is sent single-quoted and an argument holding a quote
or a line break is refused (:class:`Unsendable`); callers then run ``tmux`` with an argv list
instead. Text typed into agents never comes through here.

The client attaches with ``-f no-output,ignore-size``: it never receives pane output and never
changes a window's size. Notifications (``%sessions-changed``…) between answers are skipped.
"""

from __future__ import annotations

import contextlib
import functools
import os
import select
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass


class ControlError(Exception):
    """The control connection failed (server gone, client exited, or no answer in time)."""


class Unsendable(ValueError):
    """An argument cannot travel on a control line (a quote or a line break)."""


@dataclass(frozen=True)
class Block:
    """The answer to one command: its output lines, and whether tmux reported an error."""

    lines: list[str]
    error: bool


@functools.lru_cache(maxsize=4096)  # the same pane ids and formats, tick after tick
def quote(arg: str) -> str:
    """``arg`` as one single-quoted word of tmux's command language."""
    if "'" in arg or "\n" in arg or "\r" in arg:
        raise Unsendable(arg[:40])
    return f"'{arg}'"


def command_line(commands: Sequence[Sequence[str]]) -> str:
    """Commands chained with ``;`` on one control line (each argument quoted)."""
    return " ; ".join(" ".join(quote(arg) for arg in command) for command in commands)


class ControlClient:
    """A ``tmux -C`` client attached to ``session`` on the server named by ``socket``.

    Thread-safe: one command line at a time. A broken connection raises :class:`ControlError`
    once; the next call starts a new client.
    """

    def __init__(self, socket: str, config_path: str, session: str, timeout: float = 10.0) -> None:
        self.socket = socket
        self.config_path = config_path
        self.session = session
        self.timeout = timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._buffer = b""  # what tmux sent that is not read yet
        self._lock = threading.Lock()

    # -- connection ------------------------------------------------------------------------
    def _start(self) -> subprocess.Popen[bytes]:
        argv = ["tmux", "-u", "-L", self.socket, "-f", self.config_path, "-C"]
        argv += ["attach-session", "-t", f"={self.session}", "-f", "no-output,ignore-size"]
        try:
            proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
            )
        except OSError as exc:
            raise ControlError(f"cannot start a tmux control client: {exc}") from None
        self._proc, self._buffer = proc, b""
        try:
            self._read_block(time.monotonic() + self.timeout)  # the attach's own answer
        except ControlError:
            self._close()
            raise
        return proc

    def _close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(OSError):
            if proc.stdin is not None:
                proc.stdin.close()
        with contextlib.suppress(OSError):
            proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=1)
        if proc.stdout is not None:
            proc.stdout.close()

    def close(self) -> None:
        with self._lock:
            self._close()

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -- commands ---------------------------------------------------------------------------
    def run(self, commands: Sequence[Sequence[str]]) -> list[Block]:
        """Run chained commands; one :class:`Block` per command that ran. tmux stops a chain
        at the first failing command: the last block is then that command's error."""
        line = command_line(commands)  # Unsendable before anything is sent
        with self._lock:
            proc = self._proc if self._proc is not None and self.alive else self._start()
            assert proc.stdin is not None
            try:
                proc.stdin.write(line.encode("utf-8") + b"\n")
                proc.stdin.flush()
                deadline = time.monotonic() + self.timeout
                blocks: list[Block] = []
                while len(blocks) < len(commands):
                    block = self._read_block(deadline)
                    blocks.append(block)
                    if block.error:
                        break
                return blocks
            except (OSError, ControlError) as exc:
                self._close()
                if isinstance(exc, ControlError):
                    raise
                raise ControlError(f"tmux control client: {exc}") from None

    def _read_block(self, deadline: float) -> Block:
        """Skip notifications up to the next ``%begin``; the lines up to its ``%end``. Works
        on the raw bytes (one search per read, one decode per block): a block of a thousand
        lines costs about as much as one."""
        start = 0  # where the search for %begin resumes
        while True:
            begin = self._buffer.find(b"%begin ", start)
            while begin > 0 and self._buffer[begin - 1 : begin] != b"\n":
                begin = self._buffer.find(b"%begin ", begin + 1)
            if begin >= 0:
                if self._buffer.rfind(b"\n%exit", 0, begin) >= 0 or self._buffer.startswith(
                    b"%exit"
                ):
                    raise ControlError("tmux server ended the control connection")
                head_end = self._buffer.find(b"\n", begin)
                if head_end >= 0:
                    suffix = self._buffer[begin + len(b"%begin ") : head_end]
                    block = self._take_block(head_end, suffix)
                    if block is not None:
                        return block
                start = begin
            elif self._buffer.startswith(b"%exit") or b"\n%exit" in self._buffer:
                raise ControlError("tmux server ended the control connection")
            else:
                start = max(0, len(self._buffer) - len(b"%begin "))
            self._fill(deadline)

    def _take_block(self, head_end: int, suffix: bytes) -> Block | None:
        """The block whose ``%begin`` line ends at ``head_end``, once its end has arrived."""
        for marker, error in ((b"\n%end ", False), (b"\n%error ", True)):
            tail = marker + suffix + b"\n"
            found = self._buffer.find(tail, head_end)
            if found < 0:
                continue
            if found == head_end:  # no output at all
                lines: list[str] = []
            else:
                body = self._buffer[head_end + 1 : found]
                lines = body.decode("utf-8", "replace").split("\n")
            self._buffer = self._buffer[found + len(tail) :]
            return Block(lines, error=error)
        return None

    def _fill(self, deadline: float) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ControlError(f"tmux did not answer within {self.timeout:g}s")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                break
        chunk = os.read(fd, 262144)
        if not chunk:
            raise ControlError("tmux control client exited")
        self._buffer += chunk
