"""How ``main()`` reports what went wrong: one clean line, the right exit code."""

from __future__ import annotations

import errno
from collections.abc import Sequence

import pytest

from squadron import cli
from squadron.adapters.store import StateError
from squadron.core.errors import UsageError


def failing(exc: BaseException, monkeypatch: pytest.MonkeyPatch) -> None:
    def run(argv: Sequence[str] | None = None) -> int:
        raise exc

    monkeypatch.setattr(cli, "run", run)


@pytest.mark.parametrize(
    ("exc", "line"),
    [
        (
            PermissionError(errno.EACCES, "Permission denied", "/repo/.git/squadron"),
            "/repo/.git/squadron: Permission denied",
        ),
        (OSError(errno.ENOSPC, "No space left on device"), "No space left on device"),
        (
            OSError(errno.EXDEV, "Invalid cross-device link", "/a", None, "/b"),
            "/a -> /b: Invalid cross-device link",
        ),
        (
            OSError(errno.EROFS, "Read-only file system", b"/r\xffo"),
            "/r\ufffdo: Read-only file system",
        ),
    ],
)
def test_os_errors_are_one_line_naming_the_path(
    exc: OSError, line: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SQUADRON_DEBUG", raising=False)
    failing(exc, monkeypatch)
    assert cli.main([]) == 1
    assert capsys.readouterr().err == f"squadron: error: {line}\n"


def test_squadron_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQUADRON_DEBUG", "1")
    failing(PermissionError(errno.EACCES, "Permission denied", "/x"), monkeypatch)
    with pytest.raises(PermissionError):
        cli.main([])


@pytest.mark.parametrize(
    ("exc", "code", "line"),
    [
        (UsageError("unknown task 'a\nb\x1b[2J'"), 2, "unknown task 'a b␛[2J'"),
        (StateError("cannot write /x/\udcff: Read-only file system"), 1, "/x/\ufffd: Read-only"),
    ],
)
def test_messages_are_made_one_clean_line(
    exc: Exception,
    code: int,
    line: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    failing(exc, monkeypatch)
    assert cli.main([]) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and line in err and "\x1b" not in err
