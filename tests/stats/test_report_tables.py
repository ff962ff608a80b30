"""The report's tables of true counts, the cells they share, and the quarters it may show."""

from __future__ import annotations

from datetime import date, timedelta

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
    # Last the row of units in no group, so the table's total is every signal's.
    assert groups == ("DG Zuid", "DG Noord", "DG Oud", "other")
    last = report_tables(counts, ("Q1", "Q2"), groups)[-1]
    assert last.table.name == "unit_groups" and last.total_row
    assert last.table.cells == ((10, 0), (0, 0), (0, 3), (0, 0))
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
    assert frozenset({("topics", "options", "Q1"), ("funnel", "options", "Q1")}) in links
    assert frozenset({("outcomes", "total", "total"), ("feedback", "total", "total")}) in links
    assert len(links) == 4 * 3
    with_groups = shared_cells(("Q1",), unit_groups=True)
    assert ("unit_groups", "total", "Q1") in next(link for link in with_groups if len(link) == 4)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2027, 1, 1), ("Q1", "Q2", "Q3", "Q4")),
        (date(2026, 12, 2), ("Q1", "Q2", "Q3", "Q4")),
        (date(2026, 4, 1), ("Q1", "Q2")),
        (date(2026, 3, 31), ("Q1",)),
    ],
)
def test_a_draft_shows_the_quarters_so_far_the_running_one_too(
    today: date, expected: tuple[str, ...]
) -> None:
    assert published_quarters(2026, today, draft=True) == expected


@pytest.mark.parametrize("today", [date(2026, 4, 1), date(2026, 12, 31), date(2027, 1, 1)])
def test_only_a_whole_year_is_published_once_its_last_day_is_written(today: date) -> None:
    # 1 January: the counts of 31 December may still be in memory until the daily write.
    with pytest.raises(InputError, match="2026 is not over yet"):
        published_quarters(2026, today, settled=today - timedelta(days=1))


@pytest.mark.parametrize(
    ("today", "settled"), [(date(2027, 1, 2), date(2027, 1, 1)), (date(2030, 5, 1), None)]
)
def test_an_ended_year_shows_all_four_quarters(today: date, settled: date | None) -> None:
    assert published_quarters(2026, today, settled=settled) == ("Q1", "Q2", "Q3", "Q4")


def test_a_draft_before_anything_is_counted_this_year_says_so() -> None:
    with pytest.raises(InputError, match="no quarter of 2027 has been counted yet"):
        published_quarters(2027, date(2027, 1, 1), draft=True, settled=date(2026, 12, 31))


def test_a_future_year_is_refused() -> None:
    with pytest.raises(InputError, match="2027 has not begun"):
        published_quarters(2027, date(2026, 12, 31), draft=True)
