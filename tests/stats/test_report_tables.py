"""The report's tables of true counts, the cells they share, and the quarters it may show."""

from __future__ import annotations

from datetime import date

import pytest

from bot.errors import InputError
from bot.stats.categories import MEASURES
from bot.stats.report_tables import (
    REPORT_MEASURES,
    WITH_TOTAL_ROW,
    report_tables,
    shared_cells,
    unit_group_rows,
)
from bot.stats.report_year import published_quarters


def test_one_table_per_measure_with_fixed_categories_and_the_quarters_asked_for() -> None:
    counts = {
        ("signals", "anonymous", 1): 12,
        ("signals", "anonymous", 3): 4,
        ("kinds", "racism", 2): 9,
    }
    tables = report_tables(counts, ("Q1", "Q2", "Q3"))
    assert [t.table.name for t in tables] == list(REPORT_MEASURES)
    signals = tables[0].table
    assert signals.rows == MEASURES["signals"]
    assert signals.columns == ("Q1", "Q2", "Q3")
    assert signals.cells == ((12, 0, 4), (0, 0, 0))
    kinds = tables[1].table
    assert kinds.cells[kinds.rows.index("racism")] == (0, 9, 0)


def test_a_count_in_a_quarter_not_published_is_left_out() -> None:
    counts = {("signals", "named", 4): 50, ("signals", "named", 1): 11}
    (signals, *_) = report_tables(counts, ("Q1", "Q2", "Q3"))
    assert signals.table.cells[1] == (11, 0, 0)


def test_total_rows_only_where_categories_split_something() -> None:
    rows = {t.table.name: t.total_row for t in report_tables({}, ("Q1",))}
    assert rows["signals"] and rows["roles"] and rows["conversations"] and rows["outcomes"]
    assert not rows["topics"] and not rows["kinds"] and not rows["funnel"]
    assert set(WITH_TOTAL_ROW) - {"unit_groups"} <= set(rows)


def test_unit_groups_only_when_there_are_groups() -> None:
    assert "unit_groups" not in [t.table.name for t in report_tables({}, ("Q1",))]
    counts = {("unit_groups", "DG Zuid", 1): 10, ("unit_groups", "DG Oud", 2): 3}
    groups = unit_group_rows(("DG Zuid", "DG Noord"), counts)
    assert groups == ("DG Zuid", "DG Noord", "DG Oud")
    last = report_tables(counts, ("Q1", "Q2"), groups)[-1]
    assert last.table.name == "unit_groups" and last.total_row
    assert last.table.cells == ((10, 0), (0, 0), (0, 3))
    assert unit_group_rows((), {}) == ()


def test_signals_roles_and_funnel_share_the_signals_left_and_the_conversations() -> None:
    links = shared_cells(("Q1", "Q2"))
    assert (
        frozenset(
            {("signals", "total", "Q2"), ("roles", "total", "Q2"), ("funnel", "signal_left", "Q2")}
        )
        in links
    )
    assert (
        frozenset({("conversations", "total", "total"), ("funnel", "conversation", "total")})
        in links
    )
    assert len(links) == 2 * 3


@pytest.mark.parametrize(
    ("today", "draft", "expected"),
    [
        (date(2027, 1, 1), False, ("Q1", "Q2", "Q3", "Q4")),
        (date(2026, 12, 2), False, ("Q1", "Q2", "Q3")),
        (date(2026, 12, 2), True, ("Q1", "Q2", "Q3", "Q4")),
        (date(2026, 4, 1), False, ("Q1",)),
        (date(2026, 3, 31), True, ("Q1",)),
    ],
)
def test_only_ended_quarters_unless_a_draft(
    today: date, draft: bool, expected: tuple[str, ...]
) -> None:
    assert published_quarters(2026, today, draft=draft) == expected


@pytest.mark.parametrize(
    ("today", "settled", "expected"),
    [
        (date(2027, 1, 1), date(2026, 12, 31), ("Q1", "Q2", "Q3")),
        (date(2027, 1, 2), date(2027, 1, 1), ("Q1", "Q2", "Q3", "Q4")),
        (date(2026, 7, 1), date(2026, 6, 30), ("Q1",)),
    ],
)
def test_a_quarter_ends_for_the_report_once_its_counts_are_all_written(
    today: date, settled: date, expected: tuple[str, ...]
) -> None:
    assert published_quarters(2026, today, settled=settled) == expected


def test_a_year_without_an_ended_quarter_needs_a_draft() -> None:
    with pytest.raises(InputError, match="no quarter of 2026 has ended yet"):
        published_quarters(2026, date(2026, 3, 31))


def test_a_future_year_is_refused() -> None:
    with pytest.raises(InputError, match="2027 has not begun"):
        published_quarters(2027, date(2026, 12, 31), draft=True)
