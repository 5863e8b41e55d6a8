"""The tmux control-mode connection: same answers as running tmux, no process per call."""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

import pytest

from squadron.adapters.tmux import NoServerError, TargetNotFoundError, TmuxServer
from squadron.adapters.tmux_control import ControlClient, Unsendable, command_line, quote
from tests.conftest import wait_until

pytestmark = pytest.mark.usefixtures("tmux_available")

HUB = "sq-hub"


@pytest.fixture
def server(tmp_path: Path) -> TmuxServer:
    srv = TmuxServer(os.environ["SQUADRON_TMUX_SOCKET"], tmp_path / "cfg" / "tmux.conf")
    srv.write_config()
    srv.new_session(HUB, tmp_path, ["sleep", "100000"])
    return srv


def spawned(server: TmuxServer) -> TmuxServer:
    """A second adapter on the same server that always runs the tmux program."""
    return TmuxServer(server.socket, server.config_path)


def test_quote_refuses_what_a_control_line_cannot_carry() -> None:
    assert quote("%12") == "'%12'"
    assert command_line([["capture-pane", "-p", "-t", "%1"], ["display", "-p", "#{pid}"]]) == (
        "'capture-pane' '-p' '-t' '%1' ; 'display' '-p' '#{pid}'"
    )
    for bad in ("it's", "two\nlines", "cr\r"):
        with pytest.raises(Unsendable):
            quote(bad)


def test_control_answers_like_the_tmux_program(server: TmuxServer, tmp_path: Path) -> None:
    for i in range(3):
        script = f"printf 'pane {i}\\n'; exec sleep 30"
        server.new_session(f"sq-c{i}", tmp_path, ["sh", "-c", script], width=80, height=20)
    for i in range(3):
        wait_until(functools.partial(lambda n: f"pane {n}" in server.capture(f"sq-c{n}"), i), 5)
    plain = spawned(server)
    server.use_control(HUB)
    try:
        assert server.list_panes() == plain.list_panes()
        targets = ["sq-c0", "%999", "sq-c1", "sq-gone", "sq-c2"]
        assert server.capture_many(targets) == plain.capture_many(targets)
        assert set(server.capture_many(targets)) == {"sq-c0", "sq-c1", "sq-c2"}
        assert server.capture("sq-c1", ansi=True, start=-50) == plain.capture(
            "sq-c1", ansi=True, start=-50
        )
        assert server.has_session("sq-c2") and not server.has_session("sq-nope")
        with pytest.raises(TargetNotFoundError):
            server.capture("sq-nope")
        assert server._control is not None and server._control.alive
    finally:
        server.close_control()


def test_commands_travel_without_a_tmux_process(server: TmuxServer) -> None:
    client = ControlClient(server.socket, str(server.config_path), HUB)
    try:
        client.run([["display-message", "-p", "x"]])
        before = _tmux_clients(server)
        assert len(before) == 1
        for _ in range(20):
            blocks = client.run([["display-message", "-p", "#{session_name}"]])
            assert blocks[0].lines == [HUB] and not blocks[0].error
        assert _tmux_clients(server) == before  # one client, reused
        failed = client.run([["display", "-p", "a"], ["has-session", "-t", "=x"], ["display"]])
        assert [b.error for b in failed] == [False, True]  # tmux stops the chain at the error
    finally:
        client.close()


def _tmux_clients(server: TmuxServer) -> list[str]:
    out = subprocess.run(
        ["tmux", "-L", server.socket, "list-clients", "-F", "#{client_pid}"],
        capture_output=True,
        text=True,
    ).stdout
    return sorted(out.split())


def test_text_with_quotes_falls_back_to_the_program(server: TmuxServer, tmp_path: Path) -> None:
    server.use_control(HUB)
    try:
        server.new_session("sq-q", tmp_path, ["sh", "-c", 'echo "it\'s here"; exec sleep 30'])
        wait_until(lambda: "it's here" in server.capture("sq-q"), 5)
    finally:
        server.close_control()


def test_a_lost_connection_is_replaced_and_a_dead_server_reported(
    server: TmuxServer, tmp_path: Path
) -> None:
    server.new_session("sq-a", tmp_path, ["sleep", "30"])
    server.use_control(HUB)
    try:
        assert {p.session for p in server.list_panes()} >= {"sq-a", HUB}
        server.kill_session(HUB)  # the session the client was attached to
        wait_until(
            lambda: server.list_panes() and HUB not in {p.session for p in server.list_panes()}
        )
        subprocess.run(["tmux", "-L", server.socket, "kill-server"], check=False)
        assert server.list_panes() == []
        with pytest.raises(NoServerError):
            server.capture("sq-a")
    finally:
        server.close_control()


def test_a_format_in_the_working_directory_is_not_run(server: TmuxServer, tmp_path: Path) -> None:
    """tmux expands formats in new-session -c: "#(cmd)" in a folder name must stay a name."""
    proof = tmp_path / "pwned"
    odd = tmp_path / f"x#(touch {proof})#{{pane_id}}"
    odd.mkdir(parents=True)
    server.new_session("sq-odd", odd, ["sh", "-c", "pwd; exec sleep 30"])
    wait_until(lambda: str(odd) in server.capture("sq-odd"), 5)
    assert not proof.exists()


def test_read_panes_gives_facts_and_screens_and_skips_the_gone(
    server: TmuxServer, tmp_path: Path
) -> None:
    for i in range(3):
        server.new_session(f"sq-r{i}", tmp_path, ["sh", "-c", f"echo screen {i}; exec sleep 30"])
    for i in range(3):
        wait_until(functools.partial(lambda n: f"screen {n}" in server.capture(f"sq-r{n}"), i), 5)
    ids = {p.session: p.pane_id for p in server.list_panes()}
    for control in (False, True):
        if control:
            server.use_control(HUB)
        try:
            targets = [ids["sq-r0"], "%999", ids["sq-r1"], ids["sq-r2"]]
            read = server.read_panes(targets)
            assert set(read) == {ids["sq-r0"], ids["sq-r1"], ids["sq-r2"]}
            listed = {p.pane_id: p for p in server.list_panes()}
            for i in range(3):
                info, screen = read[ids[f"sq-r{i}"]]
                assert info == listed[info.pane_id] and info.session == f"sq-r{i}"
                assert screen == server.capture(ids[f"sq-r{i}"])
                assert f"screen {i}" in screen
        finally:
            server.close_control()
