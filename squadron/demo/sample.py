"""The throw-away sample project behind ``squadron demo`` and what the demo agent does to it.

``build_sample_repo`` writes a small, real Python project (``wordstats``: word counts for text
files, with tests) as three commits on ``main``. ``DEMO_TASKS`` are the tasks the demo starts;
each matches one ``Scenario``: the files the demo agent reads and the edits it makes. The edits
of the three tasks touch different lines, so all three branches merge without conflicts.
"""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

AGENT_NAME = "demo"
GIT_NAME = "squadron demo"
GIT_EMAIL = "demo@squadron.invalid"

DEMO_TASKS: list[tuple[str, str]] = [
    (
        "Add average word length",
        "Add an average_word_length(text) function to wordstats/counts.py that returns the mean "
        "length of the words (0.0 for no words), with a test.",
    ),
    (
        "Fix top_n ordering",
        "top_n() returns the least common words first. Fix it so the most common come first "
        "(ties alphabetical) and add a regression test.",
    ),
    (
        "Document the command line",
        "Update README.md with a Usage section for the wordstats command and its --top option.",
    ),
]

_INIT = '"""wordstats: count the words in a text."""\n\n__version__ = "0.1.0"\n'
_TOKENIZE = '''"""Split text into words."""

import re

_WORD = re.compile(r"[A-Za-z']+")


def words(text: str) -> list[str]:
    """The words in ``text``, lower-cased, in order."""
    found = (match.group(0).strip("'").lower() for match in _WORD.finditer(text))
    return [word for word in found if word]
'''
_TEST_TOKENIZE = """from wordstats.tokenize import words


def test_words_are_lower_cased() -> None:
    assert words("The Cat sat") == ["the", "cat", "sat"]


def test_punctuation_is_dropped() -> None:
    assert words("Hello, world! 'quoted'") == ["hello", "world", "quoted"]
"""
_COUNTS = '''"""Count words and pick the most common ones."""

from collections import Counter

from wordstats.tokenize import words


def count_words(text: str) -> Counter[str]:
    """How often each word occurs in ``text``."""
    return Counter(words(text))


def top_n(counts: Counter[str], n: int = 10) -> list[tuple[str, int]]:
    """The ``n`` most common words, most common first; ties in alphabetical order."""
    ranked = sorted(counts.items(), key=lambda item: (item[1], item[0]))
    return ranked[:n]


def total_words(counts: Counter[str]) -> int:
    """How many words were counted, repeats included."""
    return sum(counts.values())
'''
_TEST_COUNTS = """from wordstats.counts import count_words, total_words


def test_count_words_ignores_case() -> None:
    counts = count_words("The cat and the hat")
    assert counts["the"] == 2
    assert counts["cat"] == 1


def test_total_words_counts_repeats() -> None:
    assert total_words(count_words("a b a")) == 3
"""
_CLI = '''"""Command line: ``python -m wordstats.cli FILE [--top N]``."""

import argparse
import sys
from pathlib import Path

from wordstats.counts import count_words, top_n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wordstats", description="Most common words in a file.")
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=10, help="how many words to show")
    args = parser.parse_args(argv)
    counts = count_words(args.file.read_text(encoding="utf-8"))
    for word, count in top_n(counts, args.top):
        print(f"{count:6d}  {word}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''
_README = """# wordstats

Count the words in a text file and show the most common ones.

A sample project made by `squadron demo`: ask the demo agent to change it, review the diff,
merge it. Nothing here matters; delete the folder when you are done.

## Tests

    python -m pytest -q
"""
_PYPROJECT = """[project]
name = "wordstats"
version = "0.1.0"
requires-python = ">=3.10"

[tool.pytest.ini_options]
pythonpath = ["."]
"""
_GITIGNORE = "__pycache__/\n.pytest_cache/\n*.egg-info/\n"

_COMMITS: list[tuple[str, dict[str, str]]] = [
    (
        "Start wordstats: tokenizer, tests and README",
        {
            "README.md": _README,
            "pyproject.toml": _PYPROJECT,
            ".gitignore": _GITIGNORE,
            "wordstats/__init__.py": _INIT,
            "wordstats/tokenize.py": _TOKENIZE,
            "tests/test_tokenize.py": _TEST_TOKENIZE,
        },
    ),
    (
        "Count words and pick the most common",
        {"wordstats/counts.py": _COUNTS, "tests/test_counts.py": _TEST_COUNTS},
    ),
    ("Add the wordstats command line", {"wordstats/cli.py": _CLI}),
]


_REPO_VARIABLES = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
)


def _git(repo: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in _REPO_VARIABLES}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True)


def build_sample_repo(parent: Path) -> Path:
    """Create ``parent/wordstats``: a git repository on ``main`` with three commits.

    It holds no squadron config: write ``demo_config_toml()`` to its ``.squadron.toml``. The
    repository sets its own ``user.name`` and ``user.email`` and turns commit signing off, so
    the demo works without a global git identity. Raises ``FileExistsError`` if the folder is
    there already and ``subprocess.CalledProcessError`` if git fails.
    """
    repo = parent / "wordstats"
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    for key, value in (
        ("user.name", GIT_NAME),
        ("user.email", GIT_EMAIL),
        ("commit.gpgsign", "false"),
        ("tag.gpgsign", "false"),
    ):
        _git(repo, "config", key, value)
    for message, files in _COMMITS:
        for name, text in files.items():
            path = repo / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "--no-verify", "-m", message)
    return repo


def demo_config_toml() -> str:
    """The ``.squadron.toml`` of the sample repository: the ``demo`` agent, used by default."""
    command = json.dumps([sys.executable, "-m", "squadron.demo.agent"])  # JSON strings are TOML
    own = Path(sys.executable).name  # tmux names the pane's program after it: "python3.11"
    programs = json.dumps(
        ["python3", "python", *([own] if own not in ("python3", "python") else [])]
    )
    return f"""# squadron demo: the scripted demo agent, no AI needed.
default_agent = "{AGENT_NAME}"

[agents.{AGENT_NAME}]
command = {command}
programs = {programs}
ready = ['^❯ ?$']
working = ['esc to interrupt']
waiting = ['\\(y/n\\) ?$']
approve_keys = ["y"]
"""


# -- what the demo agent does ---------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """One file the demo agent changes: ``change`` maps the old text ('' if none) to the new."""

    path: str
    change: Callable[[str], str]


@dataclass(frozen=True)
class Scenario:
    name: str
    keywords: tuple[str, ...]
    reads: tuple[str, ...]
    edits: tuple[Edit, ...]
    ask: int  # the edit the agent asks permission for
    summary: str


def _append(block: str) -> Callable[[str], str]:
    def change(old: str) -> str:
        if block.strip() in old:
            return old
        base = old.rstrip("\n")
        return base + "\n" + block if base else block.lstrip("\n")

    return change


def _replace(before: str, after: str) -> Callable[[str], str]:
    return lambda old: old if after in old else old.replace(before, after, 1)


def _create(text: str) -> Callable[[str], str]:
    return lambda old: old or text


_AVERAGE = '''

def average_word_length(text: str) -> float:
    """The mean length of the words in ``text``; 0.0 when there are none."""
    found = words(text)
    if not found:
        return 0.0
    return sum(len(word) for word in found) / len(found)
'''
_TEST_AVERAGE = """from wordstats.counts import average_word_length


def test_average_word_length() -> None:
    assert average_word_length("a bb ccc") == 2.0


def test_average_word_length_of_nothing_is_zero() -> None:
    assert average_word_length("  ...  ") == 0.0
"""
_TEST_TOP_N = """

def test_top_n_puts_the_most_common_first() -> None:
    counts = count_words("b a b c b a")
    assert top_n(counts, 2) == [("b", 3), ("a", 2)]
"""
_USAGE = """
## Usage

    python -m wordstats.cli FILE [--top N]

Prints the `N` most common words of `FILE` (default 10), most common first, with their counts:

    $ python -m wordstats.cli poem.txt --top 3
         5  the
         3  words
         2  wordstats
"""

_HELP = 'help="how many words to show"'


def _add_top_n_test(old: str) -> str:
    imports = old.replace(
        "import count_words, total_words", "import count_words, top_n, total_words"
    )
    return _append(_TEST_TOP_N)(imports)


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "feature",
            ("average",),
            ("wordstats/counts.py", "tests/test_counts.py"),
            (
                Edit("wordstats/counts.py", _append(_AVERAGE)),
                Edit("tests/test_average.py", _create(_TEST_AVERAGE)),
            ),
            0,
            "Added average_word_length() to wordstats/counts.py, with two tests.",
        ),
        Scenario(
            "bugfix",
            ("top_n", "order", "bug", "fix"),
            ("wordstats/counts.py",),
            (
                Edit(
                    "wordstats/counts.py",
                    _replace("(item[1], item[0])", "(-item[1], item[0])"),
                ),
                Edit("tests/test_counts.py", _add_top_n_test),
            ),
            0,
            "Fixed top_n(): it sorted by ascending count. Added a regression test.",
        ),
        Scenario(
            "docs",
            ("readme", "usage", "document", "docs"),
            ("README.md", "wordstats/cli.py"),
            (
                Edit("README.md", _replace("\n## Tests\n", _USAGE + "\n## Tests\n")),
                Edit("wordstats/cli.py", _replace(_HELP, _HELP[:-1] + ' (default: 10)"')),
            ),
            1,
            "Documented the command line in README.md and the --top default in its help.",
        ),
    )
}


def scenario_for(instruction: str, forced: str | None = None) -> Scenario:
    """The scenario an instruction plays: by name if ``forced``, else by keyword, else notes."""
    if forced is not None:
        return SCENARIOS[forced]
    lowered = instruction.lower()
    for scenario in SCENARIOS.values():
        if any(word in lowered for word in scenario.keywords):
            return scenario
    first = " ".join(instruction.split())[:72] or "(empty)"
    return Scenario(
        "notes",
        (),
        ("README.md",),
        (Edit("NOTES.md", _append(f"- {first}\n")),),
        0,
        "Noted the instruction in NOTES.md (the demo agent only knows three tricks).",
    )


def apply_edit(root: Path, edit: Edit) -> tuple[int, int] | None:
    """Apply ``edit`` under ``root``; lines (added, removed), or None if nothing changed."""
    path = root / edit.path
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    new = edit.change(old)
    if new == old:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf-8")
    diff = list(difflib.ndiff(old.splitlines(), new.splitlines()))
    return sum(line.startswith("+ ") for line in diff), sum(line.startswith("- ") for line in diff)
