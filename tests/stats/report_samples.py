"""Hand-made published years for the report's rendering tests (no disclosure control here).

Each table has the report's shape: rows the measure's categories (and "total" where the
report has one), columns the quarters and "total". Values are ≥ 10 except where a test asks
for marks.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.stats.categories import MEASURES
from bot.stats.report_tables import REPORT_MEASURES, WITH_TOTAL_ROW
from bot.stats.report_year import PublishedYear
from bot.stats.tables import HIDDEN, TOTAL, Cell, PublishedTable, below


def sample_table(
    name: str,
    categories: Sequence[str],
    quarters: Sequence[str],
    *,
    threshold: int = 10,
    hide: frozenset[tuple[int, int]] = frozenset(),
) -> PublishedTable:
    """Cells 10 + 7r + 3c (totals summed); ``hide`` marks cells (r, c) "<t" and their line "x"."""
    rows = list(categories) + ([TOTAL] if name in WITH_TOTAL_ROW else [])
    body = [
        [threshold + 7 * r + 3 * c for c in range(len(quarters))] for r in range(len(categories))
    ]
    for line in body:
        line.append(sum(line))
    if name in WITH_TOTAL_ROW:
        body.append([sum(line[c] for line in body) for c in range(len(quarters) + 1)])
    cells: list[list[Cell]] = [list(line) for line in body]
    for r, c in hide:
        cells[r][c] = below(threshold)
        cells[r][-1] = HIDDEN
    return PublishedTable(
        name, threshold, tuple(rows), (*quarters, TOTAL), tuple(tuple(line) for line in cells)
    )


def sample_year(
    quarters: Sequence[str] = ("Q1", "Q2", "Q3", "Q4"),
    *,
    draft: bool = False,
    hide: frozenset[tuple[int, int]] = frozenset({(0, 1), (1, 1)}),
    unit_groups: Sequence[str] = (),
) -> PublishedYear:
    tables = [sample_table(m, MEASURES[m], quarters, hide=hide) for m in REPORT_MEASURES]
    if unit_groups:
        tables.append(sample_table("unit_groups", unit_groups, quarters, hide=hide))
    return PublishedYear(
        year=2025,
        threshold=10,
        quarters=tuple(quarters),
        tables=tuple(tables),
        draft=draft,
        organisation="Rijksoverheid",
    )
