"""squadron's tmux adapter against a real tmux on the per-test socket."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import pty
import re
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from squadron.adapters import tmux as tmux_mod
from squadron.adapters.tmux import (
    MIN_VERSION,
    NoServerError,
    PaneDeadError,
    PaneInfo,
    TargetNotFoundError,
    TmuxError,
    TmuxServer,
    config_text,
    default_socket,
    parse_version,
    tmux_version,
)
from tests.conftest import wait_until

pytestmark = pytest.mark.usefixtures("tmux_available")

READY = "─" * 40  # the fake agent's input rule


@pytest.fixture
def server(tmp_path: Path) -> TmuxServer:
    srv = TmuxServer(os.environ["SQUADRON_TMUX_SOCKET"], tmp_path / "cfg" / "tmux.conf")
    srv.write_config()
    return srv


def raw(server: TmuxServer, *args: str) -> str:
    """tmux on the test socket, bypassing the adapter (to check what it did)."""
    return subprocess.run(
        ["tmux", "-L", server.socket, *args], capture_output=True, text=True, check=True
    ).stdout


def pane(server: TmuxServer, session: str) -> PaneInfo | None:
    return next((p for p in server.list_panes() if p.session == session), None)


def ended(server: TmuxServer, session: str) -> PaneInfo:
    """Wait until the session's pane is dead and tmux has its exit status or signal."""

    def done() -> PaneInfo | None:
        p = pane(server, session)
        return p if p and p.dead and (p.dead_status, p.dead_signal) != (None, None) else None

    info = wait_until(done, 5, message=f"{session} to end")
    assert isinstance(info, PaneInfo)
    return info


def printed(server: TmuxServer, target: str, text: str) -> bool:
    return text in server.capture(target)


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat[stat.rfind(")") + 2] not in "ZX"


def start_agent(
    server: TmuxServer, name: str, cwd: Path, fake_agent_argv: list[str], log: Path | None = None
) -> PaneInfo:
    env = {"FAKE_AGENT_LOG": str(log)} if log else {}
    info = server.new_session(name, cwd, [*fake_agent_argv, "--name", name], env, 120, 40)
    wait_until(lambda: READY in server.capture(name), 5, message=f"{name} prompt")
    return info


# -- pure helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tmux 3.3a\n", (3, 3)),
        ("tmux 3.2", (3, 2)),
        ("tmux next-3.4", (3, 4)),
        ("tmux 3.5a", (3, 5)),
        ("tmux master", (999, 0)),
    ],
)
def test_parse_version(text: str, expected: tuple[int, int]) -> None:
    assert parse_version(text) == expected


def test_parse_version_rejects_garbage() -> None:
    with pytest.raises(TmuxError, match="cannot read the tmux version"):
        parse_version("screen 4.0")


def test_installed_tmux_meets_the_floor() -> None:
    assert tmux_version() >= MIN_VERSION


@pytest.mark.parametrize(
    ("arg", "escaped"),
    [
        ("plain", "plain"),
        (";", "\\;"),
        ("echo hi;", "echo hi\\;"),
        ("a\\;", "a\\\\;"),
        ("a;b", "a;b"),
        ("", ""),
    ],
)
def test_escape_arg(arg: str, escaped: str) -> None:
    assert tmux_mod._escape_arg(arg) == escaped


def test_pane_record_keeps_separators_in_the_title() -> None:
    fields = [
        "s",
        "%1",
        "42",
        "1",
        "3",
        "",
        "100",
        "7",
        "1",
        "2",
        "80",
        "24",
        "python",
        "9",
        "2",
        "a\x1fb\x1fc",
    ]
    info = PaneInfo.parse("\x1f".join(fields))
    assert info.attached == 2
    assert (info.pane_id, info.pid, info.dead, info.dead_status, info.dead_signal) == (
        "%1",
        42,
        True,
        3,
        None,
    )
    assert info.title == "a\x1fb\x1fc"
    with pytest.raises(TmuxError, match="unexpected pane record"):
        PaneInfo.parse("too\x1ffew")


def test_default_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_socket() == os.environ["SQUADRON_TMUX_SOCKET"]
    monkeypatch.delenv("SQUADRON_TMUX_SOCKET")
    assert default_socket() == "squadron"


def test_config_rejects_a_bad_detach_key() -> None:
    with pytest.raises(TmuxError, match="invalid detach key"):
        config_text('C-q"; run-shell "rm -rf ~')


def test_names_are_checked(server: TmuxServer, tmp_path: Path) -> None:
    for bad in ("a:b", "a.b", "-x", "", "t 1", "=t1"):
        with pytest.raises(TmuxError, match="invalid tmux session name"):
            server.has_session(bad)
    with pytest.raises(TmuxError, match="invalid environment variable"):
        server.new_session("sq-t1", tmp_path, ["true"], {"A=B": "x"})
    with pytest.raises(TmuxError, match="working directory does not exist"):
        server.new_session("sq-t1", tmp_path / "nope", ["true"])


# -- config ---------------------------------------------------------------------------------


def test_config_is_written_atomically_and_used_not_the_users(
    server: TmuxServer, tmp_path: Path
) -> None:
    poison = "set -g status-right POISONED\nset -g remain-on-exit off\nset -g history-limit 7\n"
    home = Path(os.environ["HOME"])
    (home / ".tmux.conf").write_text(poison)
    (home / ".config" / "tmux").mkdir(parents=True)
    (home / ".config" / "tmux" / "tmux.conf").write_text(poison)

    server.write_config("M-q")
    assert "bind -n M-q detach-client" in server.config_path.read_text()
    assert [p.name for p in server.config_path.parent.iterdir()] == ["tmux.conf"]

    server.new_session("sq-t1", tmp_path, ["sleep", "30"])
    opts = raw(server, "show-options", "-g")
    assert 'status-right "M-q: back to squadron"' in opts
    assert "POISONED" not in opts
    assert "history-limit 50000" in opts
    assert "remain-on-exit on" in raw(server, "show-options", "-gw")
    assert "escape-time 10" in raw(server, "show-options", "-s")
    assert "detach-client" in raw(server, "list-keys", "-T", "root", "M-q")
    status = raw(server, "display-message", "-p", "-t", "=sq-t1:", "#{T:status-left}")
    assert "[squadron] sq-t1" in status


def test_source_config_updates_a_running_server(server: TmuxServer, tmp_path: Path) -> None:
    assert server.source_config() is False  # no server yet
    server.new_session("sq-t1", tmp_path, ["sleep", "30"])
    server.write_config("F12")
    assert 'status-right "C-q: back to squadron"' in raw(server, "show-options", "-g")
    assert server.source_config() is True
    assert 'status-right "F12: back to squadron"' in raw(server, "show-options", "-g")
    assert "detach-client" in raw(server, "list-keys", "-T", "root", "F12")


# -- sessions -------------------------------------------------------------------------------


def test_new_session_runs_argv_without_a_shell_with_env_and_cwd(
    server: TmuxServer, tmp_path: Path
) -> None:
    cwd = tmp_path / "work dir; $(x)"
    cwd.mkdir()
    out = tmp_path / "out.json"
    script = (
        "import json, os, sys; json.dump({'argv': sys.argv[1:], 'cwd': os.getcwd(), "
        "'A': os.environ.get('SQ_A'), 'B': os.environ.get('SQ_B')}, "
        f"open({str(out)!r}, 'w')); import time; time.sleep(30)"
    )
    argv = [sys.executable, "-c", script, "$(echo pwned)", "two words", "ends;", "`id`"]
    env = {"SQ_A": 'it\'s "quoted" $HOME;', "SQ_B": "line1\nline2"}

    info = server.new_session("sq-t1", cwd, argv, env, width=123, height=45)

    wait_until(out.exists, 5, message="program output")
    wait_until(lambda: out.read_text().endswith("}"), 5)
    seen = json.loads(out.read_text())
    assert seen == {"argv": argv[3:], "cwd": str(cwd), "A": env["SQ_A"], "B": env["SQ_B"]}
    assert info.session == "sq-t1"
    assert info.pane_id.startswith("%")
    assert alive(info.pid)
    assert Path(f"/proc/{info.pid}/cmdline").read_bytes().split(b"\0")[1] == b"-c"
    assert (info.width, info.height) == (123, 45)
    assert server.has_session("sq-t1")


def test_a_single_argument_is_a_program_not_a_shell_command(
    server: TmuxServer, tmp_path: Path
) -> None:
    program = tmp_path / "my agent; echo"
    marker = tmp_path / "ran"
    program.write_text(f"#!/bin/sh\ntouch '{marker}'\nexec sleep 30\n")
    program.chmod(0o755)
    server.new_session("sq-t1", tmp_path, [str(program)])
    wait_until(marker.exists, 5, message="the program to run")


def test_missing_program_leaves_a_dead_pane_with_status_127(
    server: TmuxServer, tmp_path: Path
) -> None:
    server.new_session("sq-t1", tmp_path, ["no-such-agent-program"])
    assert ended(server, "sq-t1").dead_status == 127


def test_duplicate_session_is_a_clear_error(server: TmuxServer, tmp_path: Path) -> None:
    server.new_session("sq-t1", tmp_path, ["sleep", "30"])
    with pytest.raises(TmuxError, match="duplicate session") as err:
        server.new_session("sq-t1", tmp_path, ["sleep", "30"])
    assert "\n" not in str(err.value)


def test_no_server_is_a_typed_result_not_a_crash(server: TmuxServer) -> None:
    assert server.list_panes() == []
    assert server.list_sessions() == []
    assert server.has_session("sq-t1") is False
    assert server.capture_many(["sq-t1", "%0"]) == {}
    server.kill_session("sq-t1")
    with pytest.raises(NoServerError, match="not running"):
        server.capture("sq-t1")
    with pytest.raises(NoServerError):
        server.send_text("sq-t1", "hello")


def test_the_server_exiting_after_its_last_session_is_not_an_error(
    server: TmuxServer, tmp_path: Path
) -> None:
    # When the last session ends the server exits (exit-empty): calls that arrive meanwhile
    # see "no current target" or "server exited unexpectedly".
    for n in range(20):
        server.new_session("sq-t1", tmp_path, ["sleep", "30"])
        raw(server, *(["kill-server"] if n % 2 else ["kill-session", "-t", "=sq-t1"]))
        assert not server.has_session("sq-t1")
        assert server.list_panes() == []
        assert server.list_sessions() == []
        server.kill_session("sq-t1")
        server.new_session(f"sq-n{n}", tmp_path, ["sleep", "30"])
        assert server.list_sessions() == [f"sq-n{n}"]
        raw(server, "kill-server")


def test_t1_is_never_taken_for_t10(server: TmuxServer, tmp_path: Path) -> None:
    server.new_session("sq-t10", tmp_path, ["sh", "-c", "echo I am ten; exec sleep 30"])
    wait_until(lambda: "I am ten" in server.capture("sq-t10"), 5)
    assert not server.has_session("sq-t1")
    assert not server.has_session("sq-t")
    with pytest.raises(TargetNotFoundError):
        server.capture("sq-t1")
    with pytest.raises(TargetNotFoundError):
        server.send_text("sq-t1", "hello")
    with pytest.raises(TargetNotFoundError, match="paste-buffer: can't find session: sq-t1"):
        server.send_text("sq-t1", "multi\nline")
    with pytest.raises(TargetNotFoundError, match="send-keys: can't find pane"):
        server.send_keys("%999", "Enter")
    server.kill_session("sq-t1")
    assert server.list_sessions() == ["sq-t10"]
    ten = pane(server, "sq-t10")
    assert ten is not None and not ten.dead
    assert raw(server, "list-buffers") == ""

    server.new_session("sq-t1", tmp_path, ["sh", "-c", "echo I am one; exec sleep 30"])
    wait_until(lambda: "I am one" in server.capture("sq-t1"), 5)
    assert "I am ten" in server.capture("sq-t10")
    assert "I am ten" not in server.capture("sq-t1")
    server.kill_session("sq-t1")
    assert server.list_sessions() == ["sq-t10"]


# -- list_panes -----------------------------------------------------------------------------


def test_list_panes_reads_every_session_in_one_call(
    server: TmuxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    titles = {
        "sq-a": "tab\there\nnew line\x1fsep\x1erec ⠋ 日本 #{pane_id} $(x)",
        "sq-b": "✳ plain",
        "sq-c": "",
    }
    started = {}
    for name, title in titles.items():
        # The title, then a line: once tmux shows the line, it has read the title before it.
        script = (
            f"import sys, time; sys.stdout.write('\\x1b]2;' + {title!r} + '\\x07'); "
            f"sys.stdout.write('titled {name}'); sys.stdout.flush(); time.sleep(30)"
        )
        started[name] = server.new_session(
            name, tmp_path, [sys.executable, "-c", script], width=100, height=30
        )
    for name in titles:
        wait_until(
            functools.partial(printed, server, name, f"titled {name}"), 5, message=f"{name}'s title"
        )

    calls: list[list[str]] = []
    real = tmux_mod._run_tmux

    def counting(argv: list[str], **kw: object) -> object:
        calls.append(list(argv))
        return real(argv, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(tmux_mod, "_run_tmux", counting)
    panes = {p.session: p for p in server.list_panes()}
    assert len(calls) == 1

    assert set(panes) == set(titles)
    for name, info in panes.items():
        assert info.pane_id == started[name].pane_id
        assert info.pid == started[name].pid
        assert not info.dead
        assert info.dead_status is None
        assert (info.width, info.height) == (100, 30)
        assert 0 <= info.cursor_x < 100 and 0 <= info.cursor_y < 30
        assert info.history_size == 0
        assert info.activity > time.time() - 60
        assert info.current_command.startswith("python")
    # tmux drops control characters from titles, the rest arrives as is
    assert panes["sq-a"].title == "tabherenew linesep" + "rec ⠋ 日本 #{pane_id} $(x)"
    assert panes["sq-c"].title == ""  # set to nothing (before its OSC: the host name)


def test_dead_pane_keeps_exit_status_and_last_screen(
    server: TmuxServer, tmp_path: Path, fake_agent_argv: list[str]
) -> None:
    start_agent(server, "sq-t1", tmp_path, fake_agent_argv)
    server.send_text("sq-t1", "say goodbye")
    server.send_keys("sq-t1", "Enter")
    wait_until(lambda: "ok: say goodbye" in server.capture("sq-t1"), 5)
    server.send_text("sq-t1", "exit 3")
    server.send_keys("sq-t1", "Enter")

    info = ended(server, "sq-t1")
    assert info.dead_status == 3
    assert server.has_session("sq-t1")
    screen = server.capture("sq-t1")
    assert "ok: say goodbye" in screen
    assert "Pane is dead" in screen


def test_every_ended_pane_gets_its_exit_status(server: TmuxServer, tmp_path: Path) -> None:
    # tmux linked with libutempter loses a pane's SIGCHLD now and then (tmux #311): the pane
    # stays dead without a status until squadron nudges the server. One round is a coin
    # flip on such builds, twelve rounds in a row without a lost status are not.
    for n in range(12):
        server.new_session(f"sq-e{n}", tmp_path, ["sh", "-c", f"sleep 0.1; exit {n + 1}"])
        assert ended(server, f"sq-e{n}").dead_status == n + 1
        server.kill_session(f"sq-e{n}")


def test_a_pane_that_closed_its_terminal_is_dead_with_status_pending(
    server: TmuxServer, tmp_path: Path
) -> None:
    go = tmp_path / "exit-now"
    # It closes its terminal, then lives on until the test has seen the pane in between.
    script = (
        "import os, signal, sys, time; signal.signal(signal.SIGHUP, signal.SIG_IGN); "
        "[os.close(fd) for fd in (0, 1, 2)]\n"
        "while not os.path.exists(sys.argv[1]): time.sleep(0.02)\n"
        "os._exit(4)"
    )
    info = server.new_session("sq-t1", tmp_path, [sys.executable, "-c", script, str(go)])
    pending = wait_until(lambda: (p := pane(server, "sq-t1")) and p.dead and p, 5)
    assert isinstance(pending, PaneInfo) and pending.status_pending
    assert alive(info.pid)
    go.touch()
    assert ended(server, "sq-t1").dead_status == 4


def test_killed_pane_reports_its_signal(server: TmuxServer, tmp_path: Path) -> None:
    if tmux_version() < (3, 3):
        pytest.skip("pane_dead_signal needs tmux 3.3")
    info = server.new_session("sq-t1", tmp_path, ["sleep", "30"])
    os.kill(info.pid, signal.SIGKILL)
    dead = ended(server, "sq-t1")
    assert (dead.dead_status, dead.dead_signal) == (None, 9)


# -- capture --------------------------------------------------------------------------------


def test_capture_and_capture_many_split_per_pane(
    server: TmuxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"sq-c{i}" for i in range(5)]
    for i, name in enumerate(names):
        lines = "\\n".join(f"{name} line {n}" for n in range(60 + i))
        script = f"printf '\\033[31m{name} red\\033[0m\\n{lines}\\n'; exec sleep 30"
        server.new_session(name, tmp_path, ["sh", "-c", script], width=80, height=20)
    for i, name in enumerate(names):  # its last line: everything it printed is on screen
        last = f"{name} line {60 + i - 1}\n"
        wait_until(lambda: last in server.capture(name), 5, message=f"{name} output")  # noqa: B023

    ids = {p.session: p.pane_id for p in server.list_panes()}
    targets = [ids["sq-c0"], "sq-c1", "%999", "sq-c2", "sq-gone", "sq-c3", ids["sq-c4"]]
    monkeypatch.setattr(tmux_mod, "CAPTURE_CHUNK", 3)  # also cross chunk boundaries
    many = server.capture_many(targets)
    assert set(many) == set(targets) - {"%999", "sq-gone"}
    session_of = {ids[n]: n for n in names}
    for target, screen in many.items():
        name = session_of.get(target, target)
        assert screen == server.capture(target)
        assert f"{name} line" in screen
        others = [n for n in names if n != name]
        assert not any(f"{o} line" in screen for o in others)
        assert len(screen.splitlines()) == 20

    history = server.capture("sq-c4", start=-1000)
    assert "sq-c4 line 0\n" in history and "sq-c4 red" in history
    assert "sq-c4 line 0\n" not in server.capture("sq-c4")
    coloured = server.capture_many(["sq-c4"], ansi=True, start=-1000)["sq-c4"]
    assert "\x1b[31msq-c4 red" in coloured
    assert "\x1b[" not in history


# -- typing ---------------------------------------------------------------------------------

HOSTILE = [
    "plain words",
    "-n starts with a dash",
    "--",
    ";",
    "ends with a semicolon;",
    "ends with an escaped semicolon\\;",
    'it\'s "quoted" $(rm -rf ~) `whoami` ${HOME} ; && || > /tmp/x \\ * ? ~',
    "Enter",
    "C-c",
    "#{pane_id} #(date) %1",
    "héllo ⠋ 日本語 🚀",
    "tab\there",
    "multi\nline\n\ntext; $(x)\n",
    "-\nstarts with a dash, multi-line",
    "a" * 2047,
    "x" * 5000,
]


def test_send_text_types_hostile_text_literally(
    server: TmuxServer, tmp_path: Path, fake_agent_argv: list[str]
) -> None:
    log = tmp_path / "agent.log"
    pane_id = start_agent(server, "sq-t1", tmp_path, fake_agent_argv, log).pane_id
    big = "".join(f'{i:06d} the quick brown fox; $(jumps) `over` "it\'s"\n' for i in range(2000))
    assert len(big.encode()) > 100_000
    texts = [*HOSTILE, big]

    def received() -> list[str]:
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    for n, text in enumerate(texts, 1):
        target = pane_id if n % 2 else "sq-t1"  # both kinds of target
        server.send_text(target, text)
        server.send_keys(target, "Enter")
        wait_until(lambda: len(received()) >= n, 10, message=f"instruction {n}")  # noqa: B023
    assert received() == texts
    assert raw(server, "list-buffers") == ""


def test_paste_markers_cannot_end_the_paste_early(
    server: TmuxServer, tmp_path: Path, fake_agent_argv: list[str]
) -> None:
    log = tmp_path / "agent.log"
    start_agent(server, "sq-t1", tmp_path, fake_agent_argv, log)
    server.send_text("sq-t1", "before\x1b[201~\nafter")
    server.send_keys("sq-t1", "Enter")
    wait_until(log.exists, 5)
    wait_until(lambda: "after" in log.read_text(), 5)
    assert [json.loads(x) for x in log.read_text().splitlines()] == ["before\nafter"]


def test_typing_into_a_dead_pane_is_refused_and_the_server_survives(
    server: TmuxServer, tmp_path: Path
) -> None:
    # paste-buffer into a dead pane crashes tmux < 3.4, taking every session with it
    server.new_session("sq-keep", tmp_path, ["sleep", "30"])
    server.new_session("sq-dead", tmp_path, ["true"])
    wait_until(lambda: (p := pane(server, "sq-dead")) and p.dead, 5)
    for text in ("short", "multi\nline", "y" * 10_000):
        with pytest.raises(PaneDeadError, match="has exited"):
            server.send_text("sq-dead", text)
    with pytest.raises(PaneDeadError):
        server.send_keys("sq-dead", "Enter")
    assert sorted(server.list_sessions()) == ["sq-dead", "sq-keep"]
    assert raw(server, "list-buffers") == ""


# -- ending ---------------------------------------------------------------------------------

STUBBORN = """
import os, signal, subprocess, sys, time
def hangup(signum, frame):  # survive it, and say so (the test waits for this)
    open(sys.argv[1] + ".hup", "w").close()
signal.signal(signal.SIGHUP, hangup)
child = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGHUP, signal.SIG_IGN); "
    "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"], start_new_session=True)
open(sys.argv[1], "w").write(f"{os.getpid()} {child.pid}")
while True:
    time.sleep(60)
"""


def _start_stubborn(server: TmuxServer, name: str, tmp_path: Path) -> list[int]:
    """A pane whose process survives SIGHUP (writing ``NAME.pids.hup`` when it gets one) and
    whose child, in a session of its own, ignores SIGHUP and SIGTERM."""
    pids = tmp_path / f"{name}.pids"
    server.new_session(name, tmp_path, [sys.executable, "-c", STUBBORN, str(pids)])
    wait_until(lambda: pids.exists() and " " in pids.read_text(), 5, message="pids")
    return [int(x) for x in pids.read_text().split()]


def test_kill_session_ends_processes_that_ignore_sighup(server: TmuxServer, tmp_path: Path) -> None:
    control = _start_stubborn(server, "sq-control", tmp_path)
    stubborn = _start_stubborn(server, "sq-t1", tmp_path)
    try:
        # the plain tmux way leaves them running: the hang-up arrived, and they are still there
        raw(server, "kill-session", "-t", "=sq-control")
        hup = tmp_path / "sq-control.pids.hup"
        wait_until(hup.exists, 5, message="the pane's process to get SIGHUP")
        assert all(alive(pid) for pid in control)

        # ... squadron's does not: SIGTERM for the pane, SIGKILL for the one that ignores it
        started = time.monotonic()
        server.kill_session("sq-t1", grace=0.3)
        assert time.monotonic() - started < 2
        assert not server.has_session("sq-t1")
        wait_until(lambda: not any(alive(pid) for pid in stubborn), 3, message="processes gone")
    finally:
        for pid in control + stubborn:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_kill_session_of_a_dead_pane_and_of_nothing(server: TmuxServer, tmp_path: Path) -> None:
    server.new_session("sq-keep", tmp_path, ["sleep", "30"])
    server.new_session("sq-t1", tmp_path, ["true"])
    wait_until(lambda: (p := pane(server, "sq-t1")) and p.dead, 5)
    server.kill_session("sq-t1")
    server.kill_session("sq-t1")
    server.kill_session("sq-never")
    assert server.list_sessions() == ["sq-keep"]


# -- attach, resize -------------------------------------------------------------------------


def test_attach_argv_attaches_and_the_detach_key_returns(
    server: TmuxServer, tmp_path: Path
) -> None:
    server.new_session("sq-t1", tmp_path, ["sh", "-c", "echo attached-ok; exec sleep 30"])
    argv = server.attach_argv("sq-t1")
    assert argv[1:] == [
        "-L",
        server.socket,
        "-f",
        str(server.config_path),
        "attach-session",
        "-t",
        "=sq-t1",
    ]
    base = {
        "TMUX": "/tmp/x,1,0",
        "TMUX_PANE": "%0",
        "TERM": "xterm-256color",
        "PATH": os.environ["PATH"],
        "HOME": os.environ["HOME"],
    }
    if "TMUX_TMPDIR" in os.environ:  # where the test's server has its socket
        base["TMUX_TMPDIR"] = os.environ["TMUX_TMPDIR"]
    env = server.attach_env(base)
    assert "TMUX" not in env and "TMUX_PANE" not in env

    server.resize("sq-t1", 150, 40)  # a preview size must not stick once a client attaches

    pid, fd = pty.fork()
    if pid == 0:  # child: become the user's terminal running tmux attach
        os.execve(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    output = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            output.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        wait_until(lambda: raw(server, "list-clients").strip(), 5, message="a client")
        wait_until(lambda: b"back to squadron" in output, 5, message="status line")
        attached = wait_until(
            lambda: (p := pane(server, "sq-t1")) and p.width == 100 and p,
            5,
            message="the window to take the terminal's size",
        )
        assert isinstance(attached, PaneInfo) and attached.height == 29  # + status line
        os.write(fd, b"\x11")  # C-q
        waited = wait_until(
            lambda: (w := os.waitpid(pid, os.WNOHANG))[0] and w, 5, message="tmux attach to return"
        )
        assert isinstance(waited, tuple)
        status = waited[1]
        pid = 0
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    text = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", bytes(output)).decode("utf-8", "replace")
    assert "[squadron] sq-t1" in text
    assert "attached-ok" in text
    assert server.has_session("sq-t1")
    assert raw(server, "list-clients") == ""


def test_resize(server: TmuxServer, tmp_path: Path) -> None:
    server.new_session("sq-t1", tmp_path, ["sleep", "30"], width=200, height=50)
    server.resize("sq-t1", 90, 30)
    info = pane(server, "sq-t1")
    assert info is not None and (info.width, info.height) == (90, 30)


# -- timing (printed, never asserted) -------------------------------------------------------


def test_timing_note_list_panes_with_20_sessions(
    server: TmuxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(20):
        server.new_session(f"sq-t{i}", tmp_path, ["sleep", "30"], width=120, height=40)
    assert len(server.list_panes()) == 20
    runs = []
    for _ in range(20):
        started = time.perf_counter()
        server.list_panes()
        runs.append(time.perf_counter() - started)
    targets = [f"sq-t{i}" for i in range(20)]
    started = time.perf_counter()
    server.capture_many(targets)
    many = time.perf_counter() - started
    runs.sort()
    with capsys.disabled():
        print(
            f"\n[timing] list_panes, 20 sessions: median {runs[10] * 1000:.1f} ms, "
            f"max {runs[-1] * 1000:.1f} ms; capture_many(20): {many * 1000:.1f} ms"
        )
