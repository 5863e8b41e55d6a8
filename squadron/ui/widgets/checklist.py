"""A task's acceptance criteria as a checklist the reviewer ticks off while reading the diff.

Each non-empty line of the criteria is one item, its list marker (``-``, ``*``, ``+``, ``1.``,
``1)``) and any Markdown box (``[ ]``, ``[x]``) removed; a ``[x]`` box starts ticked. The text is
shown as written, never read as markup; control characters are shown as symbols (lines are
split at newlines only). ``space`` (or ``enter``, or a click) ticks an item.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from textual.content import Content
from textual.widgets import SelectionList
from textual.widgets.selection_list import Selection

from squadron.core.text import one_line

__all__ = ["Checklist", "Criterion", "parse_criteria"]

_MARKER = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_BOX = re.compile(r"^\[([ xX])\]\s*")


@dataclass(frozen=True)
class Criterion:
    text: str
    ticked: bool = False


def parse_criteria(text: str) -> list[Criterion]:
    """One criterion per non-empty line of ``text``, without its list marker or box."""
    items: list[Criterion] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = _MARKER.sub("", raw.strip(), count=1)
        ticked = False
        box = _BOX.match(line)
        if box:
            ticked = box.group(1) in "xX"
            line = line[box.end() :]
        line = line.strip()
        if line:
            items.append(Criterion(line, ticked))
    return items


class Checklist(SelectionList[int]):
    """The criteria as check boxes; values are the criteria's indexes."""

    DEFAULT_CSS = """
    Checklist {
        height: auto;
        max-height: 50%;
    }
    """

    def __init__(
        self,
        criteria: str,
        ticked: Iterable[int] = (),
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        self.criteria = parse_criteria(criteria)
        done = set(ticked)
        super().__init__(
            *(
                Selection(Content(one_line(item.text)), index, item.ticked or index in done)
                for index, item in enumerate(self.criteria)
            ),
            id=id,
            classes=classes,
            compact=True,
        )

    @property
    def ticked(self) -> list[int]:
        """Indexes of the ticked criteria, in order."""
        return sorted(self.selected)

    @property
    def summary(self) -> str:
        """``"ticked/total"``, e.g. ``"2/3"``."""
        return f"{len(self.selected)}/{len(self.criteria)}"
