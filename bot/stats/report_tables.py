"""The report's tables of true counts and the cells they share, from a year of counters.

One table per measure: rows are the measure's fixed categories, columns the published
quarters. A "total" row only where the categories split something into parts (every signal
has one mode and one role); not for topics, kinds or the funnel, where one conversation or
signal may fall in several rows, so a sum would count people twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.stats.categories import MEASURES, QUARTERS, UNIT_GROUPS
from bot.stats.tables import TOTAL, CountTable
from bot.stats.unit_groups import OTHER_GROUP

# (measure, category, quarter 1-4) -> count; missing = 0 (bot/stats/store.py reads it).
YearCounts = Mapping[tuple[str, str, int], int]
# (table name, row label, column label); labels include "total".
SharedCell = tuple[str, str, str]

# In the order the report shows them.
REPORT_MEASURES = (
    "signals",
    "kinds",
    "roles",
    "conversations",
    "funnel",
    "topics",
    "acknowledged",
    "feedback",
    "outcomes",
    "follow_ups",
)
WITH_TOTAL_ROW = frozenset(
    {
        "conversations",
        "signals",
        "roles",
        "follow_ups",
        "acknowledged",
        "feedback",
        "outcomes",
        UNIT_GROUPS,
    }
)


@dataclass(frozen=True, slots=True)
class ReportTable:
    """A table of true counts, and whether a "total" row is published under it."""

    table: CountTable
    total_row: bool


def report_tables(
    counts: YearCounts, columns: Sequence[str], unit_groups: Sequence[str] = ()
) -> tuple[ReportTable, ...]:
    """The tables for ``columns`` (a prefix of Q1..Q4); unit groups only when configured."""
    measures: list[tuple[str, tuple[str, ...]]] = [(m, MEASURES[m]) for m in REPORT_MEASURES]
    if unit_groups:
        measures.append((UNIT_GROUPS, tuple(unit_groups)))
    return tuple(
        ReportTable(_count_table(counts, measure, categories, columns), measure in WITH_TOTAL_ROW)
        for measure, categories in measures
    )


def _count_table(
    counts: YearCounts, measure: str, categories: tuple[str, ...], columns: Sequence[str]
) -> CountTable:
    quarters = [QUARTERS.index(column) + 1 for column in columns]
    cells = tuple(
        tuple(counts.get((measure, category, quarter), 0) for quarter in quarters)
        for category in categories
    )
    return CountTable(measure, categories, tuple(columns), cells)


def shared_cells(
    columns: Sequence[str], *, unit_groups: bool = False
) -> tuple[frozenset[SharedCell], ...]:
    """Cells that hold the same number in two tables, so they must be hidden alike.

    Every signal left has one mode, one role and (where groups are configured) one unit
    group, and passes the funnel's last step; every conversation has one channel and is the
    funnel's first step; the options shown are a topic and a funnel step at once; every
    outcome counts one feedback (met or late).
    """
    links: list[frozenset[SharedCell]] = []
    for column in (*columns, TOTAL):
        links.append(
            frozenset(
                {
                    ("signals", TOTAL, column),
                    ("roles", TOTAL, column),
                    ("funnel", "signal_left", column),
                    *([(UNIT_GROUPS, TOTAL, column)] if unit_groups else []),
                }
            )
        )
        links.append(frozenset({("topics", "options", column), ("funnel", "options", column)}))
        links.append(frozenset({("outcomes", TOTAL, column), ("feedback", TOTAL, column)}))
        links.append(
            frozenset({("conversations", TOTAL, column), ("funnel", "conversation", column)})
        )
    return tuple(links)


def bounded_cells(columns: Sequence[str]) -> tuple[tuple[SharedCell, SharedCell], ...]:
    """Pairs (a, b) with a <= b by how the bot counts, which a reader may use to narrow cells.

    A kind is counted at most once per signal, with its signal: never above the signals of
    the quarter. A topic and a funnel step are counted at most once per conversation, and
    almost always in the quarter it began (a conversation lasts an hour or so).
    """
    pairs: list[tuple[SharedCell, SharedCell]] = []
    for column in (*columns, TOTAL):
        signals = ("signals", TOTAL, column)
        pairs += [(("kinds", kind, column), signals) for kind in MEASURES["kinds"]]
        conversations = ("funnel", "conversation", column)
        pairs += [(("topics", topic, column), conversations) for topic in MEASURES["topics"]]
        pairs += [(("funnel", step, column), conversations) for step in _FUNNEL_AFTER_START]
    return tuple(pairs)


_FUNNEL_AFTER_START = ("options", "signal_started")


def holding(
    pairs: Sequence[tuple[SharedCell, SharedCell]], tables: Sequence[CountTable]
) -> tuple[tuple[SharedCell, SharedCell], ...]:
    """The pairs that hold in these counts (a conversation across the new year may not)."""
    by_name = {t.name: t for t in tables}
    return tuple(
        (a, b)
        for a, b in pairs
        if a[0] in by_name
        and b[0] in by_name
        and cell_value(by_name[a[0]], a[1], a[2]) <= cell_value(by_name[b[0]], b[1], b[2])
    )


def agreeing(
    links: Sequence[frozenset[SharedCell]], tables: Sequence[CountTable]
) -> tuple[frozenset[SharedCell], ...]:
    """Each link split into the cells that truly hold the same number.

    They always do when every flow counts as designed; counters that disagree (a category
    added mid-year, a lost flush) are two different facts, not one number to hide alike, and
    must not stop the report.
    """
    by_name = {t.name: t for t in tables}
    kept: list[frozenset[SharedCell]] = []
    for link in links:
        groups: dict[int, set[SharedCell]] = {}
        for ref in sorted(link):
            if ref[0] in by_name:
                groups.setdefault(cell_value(by_name[ref[0]], ref[1], ref[2]), set()).add(ref)
        kept.extend(frozenset(group) for group in groups.values() if len(group) > 1)
    return tuple(kept)


def cell_value(table: CountTable, row: str, column: str) -> int:
    """A cell's true count; "total" sums its row or column (or the whole table)."""
    rows = range(len(table.rows)) if row == TOTAL else (table.rows.index(row),)
    columns = range(len(table.columns)) if column == TOTAL else (table.columns.index(column),)
    return sum(table.cells[r][c] for r in rows for c in columns)


def unit_group_rows(configured: Sequence[str], counts: YearCounts) -> tuple[str, ...]:
    """The configured groups in their order (a group with no signal is a row of zeros, as
    fixed categories must be), any group counted this year but no longer configured, and
    last the row of signals from units in no group."""
    counted = {category for measure, category, _ in counts if measure == UNIT_GROUPS}
    removed = sorted(counted - set(configured) - {OTHER_GROUP})
    if not configured and not removed:
        return ()
    return (*configured, *removed, OTHER_GROUP)
