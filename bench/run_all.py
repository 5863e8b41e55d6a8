"""Run every bench script and print one table of figures against the goals. Asserts nothing.

Run: ``.venv/bin/python bench/run_all.py [--quick]`` (``--quick``: small sizes, short windows,
for a smoke run). Each script runs in its own process, one after the other (they share two
cores: running them side by side would measure each other).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from _common import RESULT_PREFIX, fmt

HERE = Path(__file__).resolve().parent
# (script, takes --quick). bench_diff_view.py has fixed sizes and takes about two seconds.
SCRIPTS = [
    ("bench_engine.py", True),
    ("bench_supervisor.py", True),
    ("bench_tui.py", True),
    ("bench_diff_view.py", False),
]
DIFF_VIEW_LINE = re.compile(r"^\s{4}(\S.*?)\s{2,}([\d.]+) ms(?: \((.*)\))?$")
DIFF_VIEW_HEAD = re.compile(r"^\s*([\d,]+) files / +([\d,]+) diff lines:$")


def run(script: str, quick: bool) -> tuple[list[dict[str, object]], float, int]:
    argv = [sys.executable, str(HERE / script), *(["--quick"] if quick else [])]
    print(f"\n######## {' '.join([Path(argv[0]).name, *argv[1:]])}", flush=True)
    start = time.perf_counter()
    figures: list[dict[str, object]] = []
    head = ""
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    ) as proc:
        for line in proc.stdout or ():
            if line.startswith(RESULT_PREFIX):
                figures.extend(json.loads(line[len(RESULT_PREFIX) :])["figures"])
                continue
            print(line, end="", flush=True)
            if script == "bench_diff_view.py":  # prints text only: read its figures back
                if m := DIFF_VIEW_HEAD.match(line):
                    head = f"{m.group(1)} files"
                elif m := DIFF_VIEW_LINE.match(line):
                    figures.append(
                        {
                            "name": f"{head}: {m.group(1)}",
                            "value": float(m.group(2)),
                            "unit": "ms",
                            "goal": None,
                            "note": m.group(3) or "",
                        }
                    )
    return figures, time.perf_counter() - start, proc.returncode


def verdict(fig: dict[str, object]) -> str:
    goal, value = fig.get("goal"), fig["value"]
    if goal is None or not isinstance(value, float | int) or value != value:
        return ""
    return "ok" if value <= goal else "OVER"  # type: ignore[operator]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small and short")
    args = parser.parse_args()
    started = time.perf_counter()
    results = []
    for script, takes_quick in SCRIPTS:
        figures, took, code = run(script, args.quick and takes_quick)
        results.append((script, figures, took, code))

    print("\n\n" + "=" * 100)
    print(
        f"SUMMARY{' (--quick)' if args.quick else ''}: {len(results)} scripts in "
        f"{time.perf_counter() - started:.0f}s"
    )
    print("=" * 100)
    width = max((len(str(f["name"])) for _, figs, _, _ in results for f in figs), default=40)
    width = min(width, 78)
    for script, figures, took, code in results:
        status = "" if code == 0 else f"  (EXIT STATUS {code}: figures may be missing)"
        print(f"\n{script} ({took:.0f}s){status}")
        print(f"  {'figure':<{width}} {'value':>9} {'unit':<7} {'goal':>7}  verdict")
        for fig in figures:
            name = str(fig["name"]).strip()
            if len(name) > width:
                name = name[: width - 1] + "…"
            goal = fig.get("goal")
            goal_text = f"≤ {goal:g}" if isinstance(goal, float | int) else ""
            value = fig["value"]
            print(
                f"  {name:<{width}} {fmt(float(value)):>9} {fig['unit']!s:<7} "  # type: ignore[arg-type]
                f"{goal_text:>7}  {verdict(fig)}"
            )


if __name__ == "__main__":
    main()
