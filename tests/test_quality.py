"""The house checks run with the tests: ruff lint and format, mypy strict on squadron/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    "argv",
    [
        ["ruff", "check", "squadron", "tests", "bench"],
        ["ruff", "format", "--check", "squadron", "tests", "bench"],
        ["mypy", "squadron"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_quality(argv: list[str]) -> None:
    result = subprocess.run(
        [str(BIN / argv[0]), *argv[1:]], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
