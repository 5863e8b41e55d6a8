"""Shared plumbing for the bench scripts: isolation, repositories, figures. Asserts nothing.

Every bench script runs inside :func:`isolated`: a private HOME / XDG dirs, a private git config,
its own tmux socket (``sqbench<pid>``), all removed (and the tmux server killed) at the end,
like ``tests/conftest.py`` does for the tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAKE_AGENT = ROOT / "tests" / "fake_agent.py"
RESULT_PREFIX = "BENCH-RESULT "

if str(ROOT) not in sys.path:  # run as `python bench/x.py`: make `tests` importable
    sys.path.insert(0, str(ROOT))

from tests.integration.helpers import FAKE_PRESET  # noqa: E402  (the tests' own fake agent)


@dataclass
class Bench:
    """Where a bench runs: the temp root and the tmux socket name."""

    root: Path
    socket: str

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False
        ).stdout


@contextlib.contextmanager
def isolated(name: str) -> Iterator[Bench]:
    root = Path(tempfile.mkdtemp(prefix=f"sqbench-{name}-"))
    home = root / "home"
    home.mkdir()
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Bench User\n\temail = bench@example.com\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n",
        encoding="utf-8",
    )
    saved = dict(os.environ)
    for key in (
        "TMUX",
        "TMUX_PANE",
        "SQUADRON_REPO",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "FAKE_AGENT_LOG",
    ):
        os.environ.pop(key, None)
    socket = f"sqbench{os.getpid()}"
    os.environ.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "GIT_CONFIG_GLOBAL": str(gitconfig),
            "GIT_CONFIG_NOSYSTEM": "1",
            "SHELL": "/bin/sh",
            "SQUADRON_TMUX_SOCKET": socket,
        }
    )
    try:
        yield Bench(root, socket)
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, check=False)
        sock_path = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}" / socket
        with contextlib.suppress(OSError):
            sock_path.unlink()
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(root, ignore_errors=True)


def write_user_config(text: str = "") -> None:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "squadron" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + FAKE_PRESET, encoding="utf-8")


def git(cwd: Path, *args: str, input: str | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, input=input
    ).stdout


def make_repo(path: Path, files: int, lines: int = 20) -> Path:
    """A repository on ``main`` with ``files`` small source files in folders of 100, one commit."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    (path / "README.md").write_text("# bench\n", encoding="utf-8")
    for i in range(files):
        folder = path / "src" / f"pkg{i // 100:03d}"
        if i % 100 == 0:
            folder.mkdir(parents=True)
        body = "".join(f"def f_{i}_{k}(x):\n    return x * {k} + {i}\n" for k in range(lines // 2))
        (folder / f"mod_{i:05d}.py").write_text(body, encoding="utf-8")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "initial")
    return path


def change_files(worktree: Path, count: int, new: int = 0) -> None:
    """Edit ``count - new`` tracked files (two lines each) and add ``new`` untracked ones."""
    tracked = sorted((worktree / "src").rglob("mod_*.py"))[: count - new]
    for path in tracked:
        text = path.read_text(encoding="utf-8").splitlines(keepends=True)
        text[1] = text[1].replace("return", "return -1 +")
        text.append("# changed by the bench\n")
        path.write_text("".join(text), encoding="utf-8")
    for i in range(new):
        folder = worktree / "new" / f"pkg{i // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"added_{i:05d}.py").write_text(
            "".join(f"value_{k} = {k}\n" for k in range(10)), encoding="utf-8"
        )


# -- figures -----------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank on sorted values."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(q * (len(s) - 1))))
    return s[k]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    goal: float | None = None  # the value must stay at or below it
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.goal is None or self.value != self.value:  # no goal, or NaN
            return ""
        return "within goal" if self.value <= self.goal else "OVER GOAL"


class Report:
    """Collects figures, prints them as they come, and once more as one machine line."""

    def __init__(self, script: str) -> None:
        self.script = script
        self.figures: list[Figure] = []

    def add(
        self, name: str, value: float, unit: str, goal: float | None = None, note: str = ""
    ) -> Figure:
        fig = Figure(name, value, unit, goal, note)
        self.figures.append(fig)
        goal_text = f"  (goal ≤ {goal:g} {unit}: {fig.verdict})" if goal is not None else ""
        print(f"  {name:<58} {fmt(value):>9} {unit}{goal_text}", flush=True)
        if note:
            print(f"      {note}", flush=True)
        return fig

    def emit(self) -> None:
        print(
            RESULT_PREFIX
            + json.dumps({"script": self.script, "figures": [asdict(f) for f in self.figures]}),
            flush=True,
        )


def fmt(value: float) -> str:
    if value != value:
        return "n/a"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if abs(value) >= 1 else f"{value:.3f}"


def section(title: str) -> None:
    print(f"\n== {title}", flush=True)


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start
