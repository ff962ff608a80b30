"""The published year: which quarters a report may show, and the tables it shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.errors import InputError
from bot.stats.categories import QUARTERS
from bot.stats.tables import Cell, PublishedTable


@dataclass(frozen=True, slots=True)
class PublishedYear:
    """Everything a report of one year may show, already through disclosure control."""

    year: int
    threshold: int
    quarters: tuple[str, ...]
    tables: tuple[PublishedTable, ...]
    draft: bool = False
    organisation: str = ""

    def table(self, name: str) -> PublishedTable | None:
        return next((t for t in self.tables if t.name == name), None)

    def cell(self, name: str, row: str, column: str) -> Cell | None:
        """A published cell, or None when the table or label is not in this report."""
        table = self.table(name)
        if table is None or row not in table.rows or column not in table.columns:
            return None
        return table.cells[table.rows.index(row)][table.columns.index(column)]


def published_quarters(
    year: int, today: date, *, draft: bool = False, settled: date | None = None
) -> tuple[str, ...]:
    """The quarters of ``year`` that have ended; with ``draft`` the running one too.

    A running quarter is left out: once it ends, the report after it minus this one would
    show its last weeks alone, a small count that was never checked. ``settled`` is the day
    up to which every process has written its counts (they are kept in memory up to
    ``stats_flush_minutes``): a quarter ends for the report only once that day is past it,
    or its last hours would arrive after the report and show by difference.
    """
    if year > today.year:
        raise InputError(f"the year {year} has not begun yet")
    settled = min(settled or today, today)
    if year < settled.year:
        return QUARTERS
    ended = (settled.month - 1) // 3 if year == settled.year else 0
    shown = min(ended + 1, len(QUARTERS)) if draft else ended
    if shown == 0:
        raise InputError(
            f"no quarter of {year} has ended yet (counts are written up to a day late); "
            "--draft shows the running one (not for publication)"
        )
    return QUARTERS[:shown]
