"""The yearly report's content: the year's counters through disclosure control."""

from __future__ import annotations

from collections.abc import Sequence

from bot.stats.report_tables import (
    YearCounts,
    agreeing,
    bounded_cells,
    holding,
    report_tables,
    shared_cells,
)
from bot.stats.report_year import PublishedYear
from bot.stats.suppression import TableSpec, suppress_linked


def build_report(
    counts: YearCounts,
    year: int,
    threshold: int,
    quarters: Sequence[str],
    *,
    draft: bool = False,
    organisation: str = "",
    unit_groups: Sequence[str] = (),
) -> PublishedYear:
    """Suppress all tables together, so a cell two tables share is hidden in both."""
    tables = report_tables(counts, quarters, unit_groups)
    specs = [TableSpec(t.table, True, t.total_row) for t in tables]
    links = agreeing(
        shared_cells(quarters, unit_groups=bool(unit_groups)), [t.table for t in tables]
    )
    counted = [t.table for t in tables]
    bounds = holding(bounded_cells(quarters), counted)
    published = suppress_linked(specs, links, threshold, bounds)
    return PublishedYear(
        year=year,
        threshold=threshold,
        quarters=tuple(quarters),
        tables=tuple(published[t.table.name] for t in tables),
        draft=draft,
        organisation=organisation,
    )
