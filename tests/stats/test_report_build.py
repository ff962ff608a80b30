"""A year through disclosure control: no small cell, no cell that can be worked out, shared
cells hidden alike; an empty year and a year of three signals say only "fewer than 10"."""

from __future__ import annotations

from functools import cache

import pytest

from bot.stats.categories import QUARTERS
from bot.stats.feasible import determined_cells, feasible_range
from bot.stats.report import build_report
from bot.stats.report_html import render_html
from bot.stats.report_tables import (
    YearCounts,
    agreeing,
    bounded_cells,
    cell_value,
    holding,
    report_tables,
    shared_cells,
)
from bot.stats.report_year import PublishedYear
from bot.stats.suppression import TableSpec, suppress_linked
from bot.stats.tables import TOTAL, below
from tests.stats.report_page import shown_numbers, texts_of
from tests.stats.report_seeds import small_year, three_signals

THRESHOLD = 10
SEEDS = range(4)


@cache
def _seeded(seed: int) -> PublishedYear:
    """Disclosure control of a whole year takes a second or so: each seed is built once."""
    return build_report(small_year(seed), 2025, THRESHOLD, QUARTERS)


def _true_value(counts: YearCounts, year: PublishedYear, name: str, row: str, column: str) -> int:
    (table,) = [t.table for t in report_tables(counts, year.quarters) if t.table.name == name]
    return cell_value(table, row, column)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_seeded_year_shows_no_small_cell_and_no_cell_that_can_be_worked_out(seed: int) -> None:
    counts = small_year(seed)
    year = _seeded(seed)
    hidden = 0
    for table in year.tables:
        for r, row in enumerate(table.rows):
            for c, column in enumerate(table.columns):
                cell = table.cells[r][c]
                true = _true_value(counts, year, table.name, row, column)
                if isinstance(cell, int):
                    assert cell == true and cell >= THRESHOLD, (table.name, row, column)
                    continue
                hidden += 1
                assert cell == (below(THRESHOLD) if true < THRESHOLD else "x")
                low, high = feasible_range(table, r, c)
                assert high is None or low < high, (table.name, row, column, low, high)
                assert low <= true and (high is None or true <= high)
    assert hidden > 0


@pytest.mark.parametrize("seed", SEEDS)
def test_cells_two_tables_share_are_hidden_in_both(seed: int) -> None:
    year = _seeded(seed)
    for link in shared_cells(QUARTERS):
        cells = {year.cell(*ref) for ref in link}
        assert len(cells) == 1, link


def test_the_whole_report_leaves_no_hidden_cell_determined_even_across_links() -> None:
    # Read as a reader who knows the links and the bounds (a kind never above the signals).
    for seed in SEEDS:
        assert _determined_with_bounds(_seeded(seed), small_year(seed)) == []


def test_counters_that_disagree_across_a_link_still_make_a_report() -> None:
    counts = dict(small_year(2))
    counts[("roles", "target", 1)] = counts.get(("roles", "target", 1), 0) + 25
    year = build_report(counts, 2025, THRESHOLD, QUARTERS)
    table = year.table("roles")
    assert table is not None
    assert all(not isinstance(c, int) or c >= THRESHOLD for row in table.cells for c in row)


def test_only_the_quarters_asked_for_are_in_the_tables() -> None:
    year = build_report(small_year(1), 2026, THRESHOLD, ("Q1", "Q2", "Q3"))
    assert all(t.columns == ("Q1", "Q2", "Q3", TOTAL) for t in year.tables)


@pytest.mark.parametrize("counts", [{}, three_signals()], ids=["empty", "three signals"])
def test_a_year_of_few_signals_says_only_fewer_than_ten(counts: YearCounts) -> None:
    year = build_report(counts, 2025, THRESHOLD, QUARTERS)
    cells = [c for t in year.tables for row in t.cells for c in row]
    assert all(not isinstance(c, int) or c >= THRESHOLD for c in cells)
    assert year.cell("signals", TOTAL, TOTAL) == below(THRESHOLD)
    for lang, words in (("nl", "minder dan 10"), ("en", "fewer than 10")):
        page = render_html(year, lang)
        assert texts_of(page, "dd")[0] == words  # signals left
        assert all(n >= THRESHOLD for n in shown_numbers(page))
        assert "3" not in texts_of(page, "td")


def test_a_year_of_many_signals_shows_the_count() -> None:
    counts = {("signals", "anonymous", q): 40 for q in (1, 2, 3, 4)}
    counts |= {("signals", "named", q): 20 for q in (1, 2, 3, 4)}
    counts |= {("roles", "target", q): 45 for q in (1, 2, 3, 4)}
    counts |= {("roles", "witness", q): 15 for q in (1, 2, 3, 4)}
    counts |= {("funnel", "signal_left", q): 60 for q in (1, 2, 3, 4)}
    year = build_report(counts, 2025, THRESHOLD, QUARTERS)
    assert year.cell("signals", TOTAL, TOTAL) == 240
    assert texts_of(render_html(year, "nl"), "dd")[0] == "240"


def _kinds_bound_year() -> dict[tuple[str, str, int], int]:
    """A year where a published kind would pin a hidden total of signals: a kind is never
    above the quarter's signals, and nothing else in the tables says so."""
    modes = {1: (17, 3), 2: (0, 0), 3: (20, 10), 4: (20, 10)}
    counts: dict[tuple[str, str, int], int] = {}
    for quarter, (anonymous, named) in modes.items():
        counts[("signals", "anonymous", quarter)] = anonymous
        counts[("signals", "named", quarter)] = named
        counts[("roles", "target", quarter)] = anonymous + named
        counts[("funnel", "signal_left", quarter)] = anonymous + named
    for quarter, value in zip((1, 2, 3, 4), (20, 0, 12, 11), strict=True):
        counts[("kinds", "discrimination", quarter)] = value
    return counts


def _determined_with_bounds(year: PublishedYear, counts: YearCounts) -> list[tuple[int, int, int]]:
    names = [t.name for t in year.tables]

    def place(name: str, row: str, column: str) -> tuple[int, int, int]:
        table = year.tables[names.index(name)]
        return names.index(name), table.rows.index(row), table.columns.index(column)

    tables = [t.table for t in report_tables(counts, year.quarters)]
    links = [frozenset(place(*ref) for ref in link) for link in shared_cells(year.quarters)]
    bounds = [(place(*a), place(*b)) for a, b in holding(bounded_cells(year.quarters), tables)]
    return determined_cells(list(year.tables), links, bounds)


def test_a_kind_never_above_the_quarters_signals_gives_no_hidden_cell_away() -> None:
    counts = _kinds_bound_year()
    year = build_report(counts, 2025, THRESHOLD, QUARTERS)
    assert _determined_with_bounds(year, counts) == []


def test_without_the_bounds_the_same_year_gives_hidden_cells_away() -> None:
    # The audit of the test above can fail: suppressed without the bounds, a reader who
    # uses them works out hidden cells (a quarter with no signal at all, among them).
    counts = _kinds_bound_year()
    tables = report_tables(counts, QUARTERS)
    specs = [TableSpec(t.table, True, t.total_row) for t in tables]
    links = agreeing(shared_cells(QUARTERS), [t.table for t in tables])
    published = suppress_linked(specs, links, THRESHOLD)
    year = PublishedYear(2025, THRESHOLD, QUARTERS, tuple(published[t.table.name] for t in tables))
    assert _determined_with_bounds(year, counts) != []
