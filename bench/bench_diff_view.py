"""Diff viewer figures: parse time, and time from ``DiffView.show()`` to the first painted screen.

Run: ``.venv/bin/python bench/bench_diff_view.py``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from textual.app import App, ComposeResult
from textual.strip import Strip

from squadron.core.diffparse import parse_diff
from squadron.ui.widgets.diff_view import DiffPane, DiffView

EXTENSIONS = (".py", ".ts", ".rs", ".go", ".md", ".json", ".c", ".txt")


def synthetic_diff(files: int, lines_per_file: int) -> str:
    """A ``git diff``-shaped text: ``files`` files of two hunks each, code-like lines."""
    out: list[str] = []
    half = lines_per_file // 2 - 1
    for f in range(files):
        path = f"src/pkg{f % 17}/module_{f}{EXTENSIONS[f % len(EXTENSIONS)]}"
        out.append(f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n")
        out.append(f"--- a/{path}\n+++ b/{path}\n")
        for h in range(2):
            start = 10 + h * 200
            ctx, rem, add = half // 3, half // 3, half - 2 * (half // 3)
            out.append(f"@@ -{start},{ctx + rem} +{start},{ctx + add} @@ def handler_{h}():\n")
            for k in range(ctx):
                out.append(f"     value_{k} = compute({k}, 'text', key=\"v{k}\")  # note\n")
            for k in range(rem):
                out.append(f"-    if value_{k} > {k}: return old_call(value_{k})\n")
            for k in range(add):
                out.append(f"+    if value_{k} >= {k}: return new_call(value_{k}, {k}.5)\n")
    return "".join(out)


class BenchApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DiffView()


async def time_to_first_paint(text: str, size: tuple[int, int] = (160, 50)) -> tuple[float, float]:
    """Seconds spent in ``show()``, and from ``show()`` until every visible row was rendered."""
    files = parse_diff(text)
    painted: set[int] = set()
    original = DiffPane.render_line

    def spy(self: DiffPane, y: int) -> Strip:
        painted.add(y)
        return original(self, y)

    app = BenchApp()
    async with app.run_test(size=size) as pilot:
        view = app.query_one(DiffView)
        await pilot.pause()
        DiffPane.render_line = spy  # type: ignore[method-assign]
        try:
            start = time.perf_counter()
            view.show(files)
            shown = time.perf_counter()
            height = view.pane.scrollable_content_region.height or size[1]
            while len(painted) < height - 1:
                await asyncio.sleep(0)
                if time.perf_counter() - start > 30:
                    break
            done = time.perf_counter()
        finally:
            DiffPane.render_line = original  # type: ignore[method-assign]
    return shown - start, done - start


def best_parse_ms(text: str, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        parse_diff(text)
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main() -> None:
    for files, per_file in ((1_000, 50), (200, 50)):
        text = synthetic_diff(files, per_file)
        n_lines = text.count("\n")
        parse_ms = best_parse_ms(text)
        runs = [asyncio.run(time_to_first_paint(text)) for _ in range(4)]
        cold, warm = runs[0], runs[1:]
        show_ms = statistics.median(r[0] for r in warm) * 1000
        paint_ms = statistics.median(r[1] for r in warm) * 1000
        print(f"{files:>5} files / {n_lines:>6} diff lines:")
        print(f"    parse_diff            {parse_ms:7.1f} ms (best of 7)")
        print(f"    DiffView.show()       {show_ms:7.1f} ms (median of 3)")
        print(f"    show() → first paint  {paint_ms:7.1f} ms (median of 3, 160x50 headless)")
        print(f"    first paint, cold     {cold[1] * 1000:7.1f} ms (first run in this process)")


if __name__ == "__main__":
    main()
