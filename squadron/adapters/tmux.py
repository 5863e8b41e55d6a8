"""squadron's private tmux server: the only code in squadron that runs tmux.

Every task's agent runs in its own session on a tmux server that belongs to squadron alone: its
own socket (``tmux -L <socket>``) and its own config file (``tmux -f <config>``), so neither the
user's default server nor their ``~/.tmux.conf`` is ever touched.

Every call is an argv list run by :func:`_run_tmux`; nothing here builds a shell string. Two tmux
quirks shape the code:

* tmux splits the command line it receives on any argument that *ends* with ``;`` (that is how
  ``cmd1 ; cmd2`` chains work), so every argument we pass is escaped by :func:`_escape_arg`:
  ``"echo hi;"`` travels as ``"echo hi\\;"`` and arrives as ``"echo hi;"``.
* The client hands its whole command line to the server in one message of at most 16 KiB, so
  long text is loaded through stdin (``load-buffer -``) and pasted, never passed as an argument.

libtmux (``Server.cmd``) is not used to run commands: it has no timeout (a wedged server would
hang the status monitor forever), lets tmux inherit squadron's stdin and offers no input, drops
trailing blank lines of every output, and does not escape trailing ``;``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from squadron.adapters.tmux_control import ControlClient, ControlError, Unsendable, command_line
from squadron.core.text import is_utf8

MIN_VERSION = (3, 2)
DEFAULT_SOCKET = "squadron"
DEFAULT_DETACH_KEY = "C-q"
HISTORY_LIMIT = 50_000
TIMEOUT = 10.0
# Text up to this size, on one line and printable, is typed with ``send-keys -l``; anything
# else goes through a paste buffer (tmux limits a whole command line to 16 KiB).
SEND_KEYS_MAX_BYTES = 2048
# capture-pane commands chained in one tmux call (keeps the command line far below 16 KiB).
CAPTURE_CHUNK = 64

_DEAD = "squadron-pane-dead"
_PASTE_MARKERS = (b"\x1b[200~", b"\x1b[201~")
_SEP = "\x1f"  # between fields: tmux drops control characters from titles
_END = "\x1e"  # after the last field of a record (the title), before tmux's newline
_FIELDS = (
    "session_name",
    "pane_id",
    "pane_pid",
    "pane_dead",
    "pane_dead_status",
    "pane_dead_signal",  # tmux >= 3.3; expands to "" on 3.2
    "window_activity",
    "history_size",
    "cursor_x",
    "cursor_y",
    "pane_width",
    "pane_height",
    "pane_current_command",
    "pid",  # the tmux server's pid
    "session_attached",  # clients attached to the pane's session (a person at the pane)
    "pane_title",  # last: it is the only free-text field
)
PANE_FORMAT = _SEP.join(f"#{{{name}}}" for name in _FIELDS) + _END

_SESSION_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,99}")
_PANE_ID = re.compile(r"%[0-9]+")
_ENV_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# One character a detach key may end with (anything else would need quoting in tmux's config).
_KEY_CHAR = re.compile(r"[A-Za-z0-9_\-\[\]^@/.,:=+?]")
_FUNCTION_KEY = re.compile(r"[Ff]([1-9]|1[0-2])")
# Other tmux key names (compared in lower case, as tmux does).
_NAMED_KEYS = frozenset(
    {
        *("space", "up", "down", "left", "right", "home", "end"),
        *("ic", "insert", "dc", "delete", "npage", "pagedown", "pgdn", "ppage", "pageup", "pgup"),
    }
)
# Keys an agent needs, with any modifier: never a detach key.
_AGENT_KEYS = {
    "enter": "Enter submits what you type to the agent",
    "tab": "agents use Tab to complete and to switch modes",
    "btab": "agents use Shift-Tab to switch modes",
    "escape": "agents use Escape to interrupt and to cancel",
    "bspace": "Backspace deletes what you type",
}
# Ctrl combinations a terminal sends as the same bytes as a key an agent needs.
_AGENT_CTRL = {
    "m": "C-m is Enter to a terminal, and " + _AGENT_KEYS["enter"],
    "j": "C-j is a newline to a terminal, which agents use to submit or to break lines",
    "i": "C-i is Tab to a terminal, and " + _AGENT_KEYS["tab"],
    "[": "C-[ is Escape to a terminal, and " + _AGENT_KEYS["escape"],
    "h": "C-h is Backspace to a terminal, and " + _AGENT_KEYS["bspace"],
    "?": "C-? is Backspace to a terminal, and " + _AGENT_KEYS["bspace"],
    "c": "C-c interrupts the agent",
    "d": "C-d ends the agent's input and can quit it",
}
# sun_path in struct sockaddr_un holds 108 bytes, the final NUL included.
SOCKET_PATH_MAX = 107
_VERSION = re.compile(r"(\d+)\.(\d+)")


class TmuxError(Exception):
    """A tmux operation failed; the message is one line meant for the user."""


class TmuxNotFoundError(TmuxError):
    """The tmux program is not installed (or not on PATH)."""


class NoServerError(TmuxError):
    """squadron's tmux server is not running (no session was ever started, or all ended)."""


class TargetNotFoundError(TmuxError):
    """The session or pane named does not exist (any more)."""


class SessionExistsError(TmuxError):
    """A session with that name already exists."""


class PaneDeadError(TmuxError):
    """The pane's program has exited (the pane is kept by remain-on-exit): nothing to type to."""


@dataclass(frozen=True)
class PaneInfo:
    """One pane as ``list-panes`` sees it. Each squadron session has exactly one pane."""

    session: str
    pane_id: str
    pid: int
    dead: bool
    # A dead pane's exit code, or the signal that killed it (tmux >= 3.3). Both stay None for
    # a moment after ``dead`` turns True: tmux sees the pty close before it reaps the process.
    dead_status: int | None
    dead_signal: int | None
    activity: int  # window_activity: epoch seconds of the last output (1 s resolution)
    history_size: int
    cursor_x: int
    cursor_y: int
    width: int
    height: int
    current_command: str
    title: str
    server_pid: int = 0
    attached: int = 0  # terminals attached to its session

    @property
    def status_pending(self) -> bool:
        """Dead, but tmux has not (yet) collected the exit status or signal."""
        return self.dead and self.dead_status is None and self.dead_signal is None

    @classmethod
    def parse(cls, record: str) -> PaneInfo:
        """Parse one record printed with :data:`PANE_FORMAT` (without its terminator)."""
        parts = record.split(_SEP, len(_FIELDS) - 1)
        if len(parts) != len(_FIELDS):
            raise TmuxError(f"tmux printed an unexpected pane record: {record[:80]!r}")
        v = dict(zip(_FIELDS, parts, strict=True))
        try:
            return cls(
                session=v["session_name"],
                pane_id=v["pane_id"],
                pid=int(v["pane_pid"] or 0),
                dead=v["pane_dead"] == "1",
                dead_status=_opt_int(v["pane_dead_status"]),
                dead_signal=_opt_int(v["pane_dead_signal"]),
                activity=int(v["window_activity"] or 0),
                history_size=int(v["history_size"] or 0),
                cursor_x=int(v["cursor_x"] or 0),
                cursor_y=int(v["cursor_y"] or 0),
                width=int(v["pane_width"] or 0),
                height=int(v["pane_height"] or 0),
                current_command=v["pane_current_command"],
                title=v["pane_title"],
                server_pid=int(v["pid"] or 0),
                attached=int(v["session_attached"] or 0),
            )
        except ValueError as exc:
            raise TmuxError(f"tmux printed an unexpected pane record: {record[:80]!r}") from exc


def _opt_int(text: str) -> int | None:
    return int(text) if text.strip() else None


def _parse_records(stdout: str) -> list[PaneInfo]:
    return [PaneInfo.parse(rec) for rec in stdout.split(_END + "\n") if rec.strip("\n")]


# -- running tmux ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Result:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def error(self) -> str:
        lines = [ln.strip() for ln in self.stderr.splitlines() if ln.strip()]
        return lines[0] if lines else f"exit status {self.returncode}"


def _escape_arg(arg: str) -> str:
    """Protect an argument from tmux's command splitting (see the module docstring)."""
    return arg[:-1] + "\\;" if arg.endswith(";") else arg


def _run_tmux(
    argv: Sequence[str], *, stdin: bytes | None = None, timeout: float = TIMEOUT
) -> _Result:
    """Run ``tmux`` with ``argv`` (without the program name): the one place tmux is spawned."""
    full = ["tmux", *argv]
    try:
        proc = subprocess.run(
            full,
            input=stdin,
            stdin=subprocess.DEVNULL if stdin is None else None,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise TmuxNotFoundError("tmux is not installed (not found on PATH)") from None
    except subprocess.TimeoutExpired:
        what = next((a for a in argv if not a.startswith("-")), "tmux")
        raise TmuxError(f"tmux {what} did not answer within {timeout:g}s") from None
    return _Result(
        argv=full,
        returncode=proc.returncode,
        stdout=proc.stdout.decode("utf-8", "replace"),
        stderr=proc.stderr.decode("utf-8", "replace"),
    )


def parse_version(text: str) -> tuple[int, int]:
    """``"tmux 3.3a"`` -> (3, 3); ``"tmux next-3.4"`` -> (3, 4); ``"tmux master"`` -> (999, 0)."""
    text = text.strip()
    if text.startswith("tmux "):
        match = _VERSION.search(text)
        if match:
            return int(match.group(1)), int(match.group(2))
        if "master" in text:
            return (999, 0)
    raise TmuxError(f"cannot read the tmux version from {text!r}")


def tmux_version() -> tuple[int, int]:
    """The installed tmux's (major, minor) version, from ``tmux -V``."""
    result = _run_tmux(["-V"])
    if result.returncode != 0:
        raise TmuxError(f"tmux -V failed: {result.error}")
    return parse_version(result.stdout)


def default_socket() -> str:
    """The socket name of squadron's server: ``$SQUADRON_TMUX_SOCKET`` or ``squadron``."""
    return os.environ.get("SQUADRON_TMUX_SOCKET") or DEFAULT_SOCKET


def _split_modifiers(key: str) -> tuple[set[str], str]:
    """tmux key name -> ({"C", "M", "S"} subset, the key without modifiers)."""
    mods: set[str] = set()
    rest = key
    while True:
        if len(rest) > 2 and rest[1] == "-" and rest[0] in "CcMmSs":
            mods.add(rest[0].upper())
            rest = rest[2:]
        elif len(rest) > 1 and rest[0] == "^":
            mods.add("C")
            rest = rest[1:]
        else:
            return mods, rest


def detach_key_problem(key: str) -> str | None:
    """Why ``key`` cannot be the key that takes a user from a pane back to squadron, or None.

    The key must be a tmux key name that no agent needs: a Ctrl or Alt combination (``C-q``,
    ``M-q``) or a function key (``F12``). Plain keys would be swallowed while typing; Enter,
    Tab, Escape, Backspace, C-c and C-d (and the Ctrl letters that send the same bytes) belong
    to the agent.
    """
    hint = "; use a Ctrl or Alt combination such as C-q"
    mods, base = _split_modifiers(key)
    if not base or len(key) > 32 or not (len(base) == 1 or base.isalnum()):
        return f"it is not a tmux key name{hint}"
    if len(base) == 1 and not _KEY_CHAR.fullmatch(base):
        return f"squadron cannot bind {base!r} in its tmux config{hint}"
    name = base.lower()
    if name in _AGENT_KEYS:
        return _AGENT_KEYS[name] + hint
    if len(base) > 1 and not _FUNCTION_KEY.fullmatch(base) and name not in _NAMED_KEYS:
        return f"it is not a tmux key name{hint}"
    if "C" in mods and name in _AGENT_CTRL:
        return _AGENT_CTRL[name] + hint
    if not mods & {"C", "M"} and not _FUNCTION_KEY.fullmatch(base):
        return (
            "without Ctrl or Alt, pressing it in the pane would take you back to squadron "
            f"instead of reaching the agent{hint}"
        )
    return None


def socket_path(name: str) -> Path:
    """Where tmux puts the socket of the server named ``name`` (``tmux -L name``)."""
    base = os.environ.get("TMUX_TMPDIR") or "/tmp"  # noqa: S108 (tmux's own default)
    return Path(base) / f"tmux-{os.getuid()}" / name


def socket_problem(name: str) -> str | None:
    """Why tmux cannot use ``name`` as a socket name (``tmux -L name``), or None."""
    if not name:
        return "it is empty"
    if "/" in name:
        return "it holds '/' (it names a file in tmux's socket folder)"
    if name in (".", ".."):
        return "it names a folder"
    if not is_utf8(name):
        return "it is not valid UTF-8 text"
    path = socket_path(name)
    size = len(os.fsencode(path))
    if size > SOCKET_PATH_MAX:
        return (
            f"the socket path would be {size} bytes long (in {path.parent}); "
            f"unix sockets allow {SOCKET_PATH_MAX}"
        )
    return None


def config_text(detach_key: str = DEFAULT_DETACH_KEY) -> str:
    """The contents of squadron's own tmux config (read by the server when it starts)."""
    problem = detach_key_problem(detach_key)
    if problem:
        raise TmuxError(f"invalid detach key {detach_key!r}: {problem}")
    return "\n".join(
        [
            "# squadron's private tmux server. Written by squadron; edits are overwritten.",
            "# Read when the server starts: kill the server (or restart the tasks) to apply.",
            "set -g remain-on-exit on",
            f"set -g history-limit {HISTORY_LIMIT}",
            'set -g default-terminal "tmux-256color"',
            "set -s escape-time 10",
            "set -s focus-events on",
            "set -g allow-rename off",
            "set -g set-titles off",
            "set -g status on",
            "set -g status-interval 0",
            'set -g status-style "bg=colour236,fg=colour250"',
            "set -g status-left-length 60",
            'set -g status-left "#[bold][squadron] #{session_name}#[nobold] "',
            "set -g status-right-length 60",
            f'set -g status-right "{detach_key}: back to squadron"',
            'set -g window-status-format ""',
            'set -g window-status-current-format ""',
            f"bind -n {detach_key} detach-client",
            "",
        ]
    )


def _check_session_name(name: str) -> str:
    if not _SESSION_NAME.fullmatch(name):
        raise TmuxError(f"invalid tmux session name {name!r} (letters, digits, '_' and '-')")
    return name


# -- the server -----------------------------------------------------------------------------


class TmuxServer:
    """squadron's private tmux server, addressed by socket name and config file.

    Targets: methods that act on a pane take a pane id (``"%3"``) or a session name
    (``"sq-t1"``, meaning that session's active pane). Session names are always matched
    exactly, so ``t1`` never picks ``t10``.
    """

    def __init__(self, socket: str | None = None, config_path: Path | None = None) -> None:
        self.socket = socket or default_socket()
        problem = socket_problem(self.socket)
        if problem:
            raise TmuxError(f"invalid tmux socket name {self.socket!r}: {problem}")
        if config_path is None:
            base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
            config_path = base / "squadron" / "tmux.conf"
        self.config_path = Path(config_path)
        self._nudged: set[str] = set()  # dead panes already waited for (see list_panes)
        self._control: ControlClient | None = None
        self._control_retry = 0.0

    def __repr__(self) -> str:
        return f"TmuxServer(socket={self.socket!r}, config_path={str(self.config_path)!r})"

    # -- plumbing ---------------------------------------------------------------------------

    def use_control(self, session: str) -> None:
        """Send squadron's own commands through one control-mode client attached to
        ``session`` (see :mod:`squadron.adapters.tmux_control`) instead of one ``tmux`` process
        per call. Typing text and anything with a quote still runs ``tmux`` with an argv."""
        self.close_control()
        self._control = ControlClient(self.socket, str(self.config_path), session)

    def close_control(self) -> None:
        if self._control is not None:
            self._control.close()
        self._control = None

    def _run_control(self, commands: Sequence[Sequence[str]]) -> _Result | None:
        """The commands' result through the control client, or None to run ``tmux`` instead
        (no client, an argument it cannot carry, or a broken connection: retried after 1 s)."""
        control = self._control
        if control is None or time.monotonic() < self._control_retry:
            return None
        try:
            blocks = control.run(commands)
        except Unsendable:
            return None
        except ControlError:
            self._control_retry = time.monotonic() + 1.0
            return None
        failed = bool(blocks) and blocks[-1].error
        done = blocks[:-1] if failed else blocks
        stdout = "".join("\n".join(block.lines) + "\n" for block in done if block.lines)
        stderr = "\n".join(blocks[-1].lines) if failed else ""
        argv = ["tmux", "-C", command_line(commands)]
        return _Result(argv=argv, returncode=1 if failed else 0, stdout=stdout, stderr=stderr)

    def _run(
        self,
        *commands: Sequence[str],
        stdin: bytes | None = None,
        timeout: float = TIMEOUT,
        control: bool = True,
    ) -> _Result:
        """Run one or more tmux commands in ONE tmux invocation (chained with ``;``), through
        the control client when there is one (``control=False``: never; text typed into an
        agent always travels as an argv, never on a command line)."""
        if stdin is None and control:
            result = self._run_control(commands)
            if result is not None:
                return result
        argv = ["-u", "-L", self.socket, "-f", str(self.config_path)]
        for i, command in enumerate(commands):
            if i:
                argv.append(";")
            argv.extend(_escape_arg(arg) for arg in command)
        return _run_tmux(argv, stdin=stdin, timeout=timeout)

    def _call(
        self,
        *commands: Sequence[str],
        stdin: bytes | None = None,
        what: str = "",
        control: bool = True,
    ) -> str:
        """Run and raise a typed :class:`TmuxError` on failure; return stdout."""
        result = self._run(*commands, stdin=stdin, control=control)
        if result.returncode != 0:
            raise self._error(what or commands[0][0], result)
        return result.stdout

    def _error(self, command: str, result: _Result) -> TmuxError:
        message = result.error
        low = message.lower()
        if "no server running" in low or (
            "error connecting to" in low and ("no such file" in low or "refused" in low)
        ):
            return NoServerError(f"squadron's tmux server ({self.socket}) is not running")
        if "server exited" in low or "lost server" in low:
            return NoServerError(f"squadron's tmux server ({self.socket}) exited during {command}")
        # "no current target": the last session has just gone and the server is exiting.
        if "can't find" in low or "session not found" in low or "no current target" in low:
            return TargetNotFoundError(f"tmux {command}: {message}")
        if "duplicate session" in low:
            return SessionExistsError(f"tmux {command}: {message}")
        return TmuxError(f"tmux {command}: {message}")

    @staticmethod
    def _pane_target(target: str) -> str:
        if _PANE_ID.fullmatch(target):
            return target
        return f"={_check_session_name(target)}:"

    @staticmethod
    def _session_target(name: str) -> str:
        return f"={_check_session_name(name)}"

    # -- config -----------------------------------------------------------------------------

    def write_config(self, detach_key: str = DEFAULT_DETACH_KEY) -> Path:
        """Write squadron's tmux config to :attr:`config_path` atomically; return the path."""
        text = config_text(detach_key)
        self.config_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmux.conf.", dir=self.config_path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.config_path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return self.config_path

    def source_config(self) -> bool:
        """Apply :attr:`config_path` to a server that is already running (for instance one
        kept from an earlier squadron run, started with an older config). Options are set
        again; a key bound by an older config stays bound. False when no server runs."""
        try:
            self._call(["source-file", str(self.config_path)])
        except NoServerError:
            return False
        return True

    # -- sessions ---------------------------------------------------------------------------

    def new_session(
        self,
        name: str,
        cwd: Path | str,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        width: int = 200,
        height: int = 50,
    ) -> PaneInfo:
        """Start ``argv`` (run directly, never through a shell) in a new detached session.

        ``argv`` is run as ``/usr/bin/env argv...`` so tmux always gets two or more arguments
        and never falls back to ``sh -c``. A program that is not found makes the pane die at
        once with exit status 127 (kept on screen by remain-on-exit).
        """
        _check_session_name(name)
        if not argv or not argv[0]:
            raise TmuxError(f"no command given for session {name}")
        if not Path(cwd).is_dir():
            raise TmuxError(f"working directory does not exist: {cwd}")
        if width < 2 or height < 2:
            raise TmuxError(f"invalid pane size {width}x{height}")
        if not self.config_path.exists():
            self.write_config()
        # tmux expands formats in -c ("#(cmd)" would run cmd): "##" is a literal "#".
        command = ["new-session", "-d", "-s", name, "-c", str(cwd).replace("#", "##")]
        command += ["-x", str(width), "-y", str(height)]
        for key, value in (env or {}).items():
            if not _ENV_KEY.fullmatch(key):
                raise TmuxError(f"invalid environment variable name {key!r}")
            command += ["-e", f"{key}={value}"]
        command += ["-P", "-F", PANE_FORMAT, "--", "/usr/bin/env", *argv]
        try:
            out = self._call(command)
        except NoServerError:
            # The last session just ended and the server was exiting as we asked it: a new
            # server starts on the retry.
            time.sleep(0.05)
            out = self._call(command)
        panes = _parse_records(out)
        if len(panes) != 1:
            raise TmuxError(f"tmux new-session printed no pane for {name}")
        return panes[0]

    def has_session(self, name: str) -> bool:
        result = self._run(["has-session", "-t", self._session_target(name)])
        if result.returncode == 0:
            return True
        error = self._error("has-session", result)
        if isinstance(error, NoServerError | TargetNotFoundError):
            return False
        raise error

    def list_sessions(self) -> list[str]:
        """Names of all sessions on squadron's server ([] when the server is not running)."""
        try:
            out = self._call(["list-sessions", "-F", "#{session_name}"])
        except (NoServerError, TargetNotFoundError):  # none, or the last one just ended
            return []
        return [line for line in out.splitlines() if line]

    def _list_panes(self) -> list[PaneInfo]:
        return _parse_records(self._call(["list-panes", "-a", "-F", PANE_FORMAT]))

    def list_panes(self) -> list[PaneInfo]:
        """Every pane of every session, in ONE tmux call ([] when the server is not running).

        tmux builds that link libutempter (Debian, Ubuntu) sometimes miss the SIGCHLD of a
        pane's process (tmux issue #311): the pane shows dead without an exit status, and
        the process stays a zombie until another child of the server ends. When a pane is
        seen in that state the server is sent a SIGCHLD, which makes it collect every ended
        child, and the panes are read again (briefly, the first time a pane is seen so).
        """
        try:
            panes = self._list_panes()
        except (NoServerError, TargetNotFoundError):
            return []
        pending = {p.pane_id for p in panes if p.status_pending}
        if not pending:
            return panes
        new = pending - self._nudged
        self._nudged = pending
        for _ in range(5 if new else 0):
            _nudge(panes[0].server_pid)
            time.sleep(0.01)
            try:
                panes = self._list_panes()
            except (NoServerError, TargetNotFoundError):
                return []
            if not any(p.status_pending for p in panes):
                break
        else:
            _nudge(panes[0].server_pid)
        return panes

    def close_pane_on_exit(self, target: str) -> None:
        """Let this pane close when its program exits, although the server keeps exited
        panes on screen (remain-on-exit): a session whose last pane closes ends."""
        self._call(["set-option", "-p", "-t", self._pane_target(target), "remain-on-exit", "off"])

    def kill_session(self, name: str, grace: float = 1.5) -> None:
        """End a session and everything its agent started.

        The pane's process group and session (and descendants) get SIGTERM, then SIGKILL after
        ``grace`` seconds, before ``kill-session``: some agents ignore the SIGHUP that
        kill-session sends and would survive it. A missing session or server is not an error.
        """
        target = self._session_target(name)
        # list-panes takes a window target: "=name" that matches no session falls back to
        # another session on tmux 3.3a, "=name:" fails as it should.
        panes = self._pane_target(name)
        try:
            out = self._call(["list-panes", "-s", "-t", panes, "-F", "#{pane_pid} #{pane_dead}"])
        except (NoServerError, TargetNotFoundError):
            return
        leaders = [int(pid) for pid, dead in (ln.split() for ln in out.splitlines()) if dead == "0"]
        _terminate(leaders, grace)
        with contextlib.suppress(NoServerError, TargetNotFoundError):
            self._call(["kill-session", "-t", target])

    def attach_argv(self, session: str) -> list[str]:
        """The argv that attaches the real terminal to ``session`` (run it with the terminal,
        and with :meth:`attach_env`, e.g. ``subprocess.run(argv, env=server.attach_env())``)."""
        tmux = shutil.which("tmux") or "tmux"
        return [tmux, "-L", self.socket, "-f", str(self.config_path), "attach-session",
                "-t", self._session_target(session)]  # fmt: skip

    @staticmethod
    def attach_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
        """``base`` (default ``os.environ``) without ``TMUX``/``TMUX_PANE``: tmux refuses to
        attach from inside another tmux ("sessions should be nested with care") otherwise."""
        env = dict(os.environ if base is None else base)
        env.pop("TMUX", None)
        env.pop("TMUX_PANE", None)
        return env

    def resize(self, target: str, width: int, height: int) -> None:
        """Resize the window holding ``target`` while no client is attached (for previews).

        ``window-size`` is put back to ``latest`` so an attaching client still resizes it.
        """
        t = self._pane_target(target)
        self._call(
            ["resize-window", "-t", t, "-x", str(width), "-y", str(height)],
            ["set-option", "-w", "-t", t, "window-size", "latest"],
        )

    # -- screens ----------------------------------------------------------------------------

    @staticmethod
    def _capture_command(target: str, ansi: bool, start: int | None, join: bool) -> list[str]:
        command = ["capture-pane", "-p", "-t", target]
        if ansi:
            command.append("-e")
        if join:
            command.append("-J")
        if start is not None:
            command += ["-S", str(start)]
        return command

    def capture(
        self, target: str, ansi: bool = False, start: int | None = None, join: bool = False
    ) -> str:
        """The pane's screen as text (``ansi``: with colour escapes; ``start``: a negative line
        number to include that much history, e.g. -1000; ``join``: join wrapped lines)."""
        return self._call(self._capture_command(self._pane_target(target), ansi, start, join))

    def capture_many(
        self,
        targets: Iterable[str],
        ansi: bool = False,
        start: int | None = None,
        join: bool = False,
    ) -> dict[str, str]:
        """Capture several panes in as few tmux calls as possible (one per 64 panes).

        Returns ``{target: screen}``; targets that no longer exist are left out.
        """

        def capture(t: str) -> list[list[str]]:
            return [self._capture_command(t, ansi, start, join)]

        return dict(self._each_pane(targets, capture, CAPTURE_CHUNK))

    def pane_info(self, target: str) -> PaneInfo | None:
        """One pane's facts (as :meth:`list_panes` gives them), or None when it is gone."""
        try:
            out = self._call(
                ["display-message", "-p", "-t", self._pane_target(target), PANE_FORMAT]
            )
        except (NoServerError, TargetNotFoundError):
            return None
        panes = _parse_records(out)
        return panes[0] if panes else None

    def read_panes(self, targets: Iterable[str]) -> dict[str, tuple[PaneInfo, str]]:
        """Each pane's facts (as :meth:`list_panes` gives them) and its screen, for several
        panes in as few tmux calls as possible. Panes that no longer exist are left out."""

        def facts_and_screen(t: str) -> list[list[str]]:
            info = ["display-message", "-p", "-t", t, PANE_FORMAT]
            return [info, self._capture_command(t, False, None, False)]

        out: dict[str, tuple[PaneInfo, str]] = {}
        for target, part in self._each_pane(targets, facts_and_screen, CAPTURE_CHUNK // 2):
            record, sep, screen = part.partition(_END + "\n")
            if sep:
                out[target] = (PaneInfo.parse(record), screen)
        return out

    def _each_pane(
        self,
        targets: Iterable[str],
        commands_for: Callable[[str], list[list[str]]],
        chunk_size: int,
    ) -> Iterator[tuple[str, str]]:
        """Run ``commands_for(pane)`` for each pane, ``chunk_size`` panes per tmux call, and
        yield ``(target, output)``. A marker line after each pane's commands splits the output;
        tmux stops a call at a pane that is gone, so that pane is skipped and the rest go on."""
        pending = list(dict.fromkeys(targets))
        while pending:
            chunk = pending[:chunk_size]
            marker = f"{_SEP}squadron-{uuid.uuid4().hex}{_SEP}\n"
            commands: list[list[str]] = []
            for target in chunk:
                commands.extend(commands_for(self._pane_target(target)))
                commands.append(["display-message", "-p", marker.rstrip("\n")])
            result = self._run(*commands)
            parts = result.stdout.split(marker)
            done = len(parts) - 1  # a pane's output followed by its marker is complete
            yield from zip(chunk[:done], parts[:done], strict=True)
            if result.returncode == 0:
                pending = pending[len(chunk) :]
                continue
            error = self._error("capture-pane", result)
            if isinstance(error, NoServerError):
                return
            if not isinstance(error, TargetNotFoundError) or done >= len(chunk):
                raise error
            pending = pending[done + 1 :]

    # -- input ------------------------------------------------------------------------------

    def send_text(self, target: str, text: str) -> None:
        """Type ``text`` into the pane literally, whatever it contains. Never presses Enter.

        Short printable one-line text is typed with ``send-keys -l``; anything else is loaded
        into a uniquely named buffer through stdin (nothing touches the disk) and pasted with
        ``paste-buffer -p -r``: as a bracketed paste when the program asked for one (so
        newlines do not submit), with newlines kept as LF. A program that did not ask for
        bracketed paste sees each newline as Enter. The bracketed-paste markers ``ESC [200~`` and
        ``ESC [201~`` are removed from pasted text (they would let text escape the paste).

        Raises :class:`PaneDeadError` when the pane's program has exited,
        :class:`TargetNotFoundError` when there is no such pane or session.
        """
        t = self._pane_target(target)
        if not text:
            return
        data = text.encode("utf-8")
        if len(data) <= SEND_KEYS_MAX_BYTES and text.isprintable():
            self._typing(
                target, "send-keys", self._dead_guard(t), ["send-keys", "-t", t, "-l", "--", text]
            )
            return
        # The paste-end marker inside the text would end the bracketed paste early and let the
        # rest of the text be read as typed keys (a newline there would submit): drop it.
        for marker in _PASTE_MARKERS:
            data = data.replace(marker, b"")
        # Pasting into a dead pane crashes the whole tmux server before 3.4 (tmux PR #3830):
        # the paste runs only when the pane is alive, decided inside the server.
        buffer = f"squadron-{uuid.uuid4().hex}"
        paste = f"paste-buffer -p -r -d -b {buffer} -t {t}"
        dead = f"delete-buffer -b {buffer} ; display-message -p {_DEAD}"
        guarded = ["if-shell", "-F", "-t", t, "#{pane_dead}", dead, paste]
        try:
            load = ["load-buffer", "-b", buffer, "-"]
            self._typing(target, "paste-buffer", load, guarded, stdin=data)
        except TmuxError:
            self._run(["delete-buffer", "-b", buffer])
            raise

    def send_keys(self, target: str, *keys: str) -> None:
        """Press keys by tmux key name: ``send_keys("%1", "Enter")``, ``("C-c")``, ``("y")``."""
        if not keys:
            return
        for key in keys:
            if not key or any(ch in key for ch in "\n\r"):
                raise TmuxError(f"invalid key name {key!r}")
        t = self._pane_target(target)
        self._typing(target, "send-keys", self._dead_guard(t), ["send-keys", "-t", t, *keys])

    @staticmethod
    def _dead_guard(t: str) -> list[str]:
        """A command that prints :data:`_DEAD` when the pane ``t`` has exited."""
        return ["if-shell", "-F", "-t", t, "#{pane_dead}", f"display-message -p {_DEAD}"]

    def _typing(
        self, target: str, what: str, *commands: Sequence[str], stdin: bytes | None = None
    ) -> None:
        out = self._call(*commands, stdin=stdin, what=what, control=False)
        if _DEAD in out:
            raise PaneDeadError(f"the program in {target} has exited: cannot type into it")


# -- ending processes ------------------------------------------------------------------------


def _proc_table() -> dict[int, tuple[str, int, int, int]] | None:
    """pid -> (state, ppid, pgid, sid) from /proc, or None where there is no /proc."""
    proc = Path("/proc")
    if not sys.platform.startswith("linux") or not proc.is_dir():
        return None
    table: dict[int, tuple[str, int, int, int]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) >= 4:
            table[int(entry.name)] = (fields[0], int(fields[1]), int(fields[2]), int(fields[3]))
    return table


def _family(leaders: Sequence[int]) -> set[int]:
    """The leaders plus every process in their process groups, sessions, or below them."""
    members = set(leaders)
    table = _proc_table()
    if table is None:
        return members
    children: dict[int, list[int]] = {}
    for pid, (_state, ppid, pgid, sid) in table.items():
        children.setdefault(ppid, []).append(pid)
        if pgid in leaders or sid in leaders:
            members.add(pid)
    stack = list(members)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in members:
                members.add(child)
                stack.append(child)
    return members


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    return stat[stat.rfind(")") + 2 :][:1] not in ("Z", "X")  # a zombie has already ended


def _nudge(server_pid: int) -> None:
    """Make the tmux server collect its ended children (see :meth:`TmuxServer.list_panes`)."""
    if server_pid > 1:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(server_pid, signal.SIGCHLD)


def _signal(leaders: Sequence[int], pids: Iterable[int], sig: signal.Signals) -> None:
    for leader in leaders:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(leader, sig)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def _terminate(pane_pids: Sequence[int], grace: float) -> None:
    """SIGTERM the panes' processes, wait up to ``grace`` s, SIGKILL the survivors."""
    leaders = []
    for pid in pane_pids:
        try:
            # tmux starts each pane's process as a session leader; anything else is a
            # recycled pid that is not ours to signal.
            if os.getsid(pid) == pid:
                leaders.append(pid)
        except (ProcessLookupError, PermissionError):
            continue
    if not leaders:
        return
    victims = _family(leaders)
    _signal(leaders, victims, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        victims = {pid for pid in victims if _alive(pid)}
        if not victims:
            return
        time.sleep(0.02)
    _signal(leaders, victims, signal.SIGKILL)
