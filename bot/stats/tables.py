"""A table of counts before and after disclosure control."""

from __future__ import annotations

from dataclasses import dataclass

TOTAL = "total"


@dataclass(frozen=True, slots=True)
class CountTable:
    """True counts: ``cells[r][c]`` for ``rows[r]`` × ``columns[c]``; no totals included."""

    name: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[int, ...], ...]


# A published cell is an int, or one of two marks: below the threshold ("<10"), or hidden
# only so that a small cell beside it cannot be worked out from the totals ("x").
Cell = int | str
HIDDEN = "x"


def below(threshold: int) -> str:
    return f"<{threshold}"


@dataclass(frozen=True, slots=True)
class PublishedTable:
    """What may be shown: totals as a last row and column named ``total`` where shown."""

    name: str
    threshold: int
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[Cell, ...], ...]
