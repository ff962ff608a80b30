"""Property tests: for random tables the published form leaks no small count and no hidden cell.

Each check is a plain function returning what it found wrong, so that the tests at the end
can show it catching a deliberately weakened suppression (primary only, small totals shown,
dishonest marks, tables linked but suppressed apart): a property that cannot fail proves
nothing. Besides the LP audit of ``feasible.py`` the solvable-cell check has an oracle of its
own: a hidden cell fixed by the equations alone is a unit vector in their row space.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import count

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.stats.feasible import Position, determined_cells, lines_of
from bot.stats.suppression import TableSpec, suppress, suppress_linked
from bot.stats.tables import HIDDEN, TOTAL, CountTable, PublishedTable, below
from tests.stats.test_suppression import (
    BRIDGE,
    QUARTERS,
    linked_pair,
    links,
    primary_and_secondary_only,
    table,
)

# Bounded so the suite stays quick on a shared machine; deadline=None: never timed.
EXAMPLES = settings(max_examples=100, deadline=None)
Case = tuple[CountTable, int, bool, bool]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A table of up to 8 × 6 (1 × n and n × 1 included), many cells small, totals or not."""
    rows, columns = draw(st.integers(1, 8)), draw(st.integers(1, 6))
    value = st.one_of(st.integers(0, 12), st.integers(0, 60))
    cells = draw(
        st.lists(st.lists(value, min_size=columns, max_size=columns), min_size=rows, max_size=rows)
    )
    threshold = draw(st.sampled_from([5, 10]))
    return table(cells), threshold, draw(st.booleans()), draw(st.booleans())


def publish(case: Case) -> PublishedTable:
    counts, threshold, row_totals, column_totals = case
    return suppress(counts, threshold, row_totals=row_totals, column_totals=column_totals)


def true_grid(case: Case) -> list[list[int]]:
    counts, _, row_totals, column_totals = case
    grid = [list(row) + ([sum(row)] if row_totals else []) for row in counts.cells]
    return grid + ([[sum(column) for column in zip(*grid, strict=True)]] if column_totals else [])


def grid_lines(published: PublishedTable) -> list[tuple[list[tuple[int, int]], tuple[int, int]]]:
    row_totals, column_totals = published.columns[-1] == TOTAL, published.rows[-1] == TOTAL
    return lines_of(len(published.rows), len(published.columns), row_totals, column_totals)


def small_values_shown(published: PublishedTable) -> list[int]:
    shown = [cell for row in published.cells for cell in row if isinstance(cell, int)]
    return [value for value in shown if value < published.threshold]


def solvable_by_equations(published: PublishedTable) -> list[tuple[int, int]]:
    """Hidden cells whose unit vector lies in the row space of the lines' equations."""
    hidden = [
        (r, c)
        for r, row in enumerate(published.cells)
        for c, v in enumerate(row)
        if isinstance(v, str)
    ]
    index = {place: i for i, place in enumerate(hidden)}
    equations = [np.zeros(len(hidden))]
    for members, total in grid_lines(published):
        equation = np.zeros(len(hidden))
        for place, sign in [(m, 1.0) for m in members] + [(total, -1.0)]:
            if place in index:
                equation[index[place]] = sign
        equations.append(equation)
    rank = np.linalg.matrix_rank(np.array(equations))
    found = []
    for place, i in index.items():
        unit = np.zeros(len(hidden))
        unit[i] = 1.0
        if np.linalg.matrix_rank(np.array([*equations, unit])) == rank:
            found.append(place)
    return found


def unsafe_lines(published: PublishedTable, truth: list[list[int]]) -> list[tuple[int, int]]:
    """Totals of lines with a hidden cell but fewer than two, or hiding fewer than t."""
    found = []
    for members, (r, c) in grid_lines(published):
        if isinstance(published.cells[r][c], str):
            continue
        hidden = [truth[i][j] for i, j in members if isinstance(published.cells[i][j], str)]
        if hidden and (len(hidden) < 2 or sum(hidden) < published.threshold):
            found.append((r, c))
    return found


def dishonest_cells(published: PublishedTable, truth: list[list[int]]) -> list[tuple[int, int]]:
    """Cells not shown as their value, "<t" when below t, or "x" when at least t."""
    t = published.threshold
    return [
        (r, c)
        for r, row in enumerate(published.cells)
        for c, cell in enumerate(row)
        if cell not in (truth[r][c], below(t) if truth[r][c] < t else HIDDEN)
    ]


def linked_but_apart(
    tables: dict[str, PublishedTable], groups: Sequence[frozenset[tuple[str, str, str]]]
) -> list[frozenset[tuple[str, str, str]]]:
    def hidden(name: str, row: str, column: str) -> bool:
        published = tables[name]
        return isinstance(
            published.cells[published.rows.index(row)][published.columns.index(column)], str
        )

    return [group for group in groups if len({hidden(*ref) for ref in group}) > 1]


def differs_between_calls(publish_case: Callable[[Case], PublishedTable], case: Case) -> bool:
    return publish_case(case) != publish_case(case)


@EXAMPLES
@given(cases())
def test_no_value_below_the_threshold_is_shown(case: Case) -> None:
    assert small_values_shown(publish(case)) == []


@EXAMPLES
@given(cases())
def test_no_hidden_cell_can_be_worked_out(case: Case) -> None:
    published = publish(case)
    assert determined_cells([published]) == []
    assert solvable_by_equations(published) == []


@EXAMPLES
@given(cases())
def test_every_line_with_a_total_hides_two_cells_and_at_least_t(case: Case) -> None:
    assert unsafe_lines(publish(case), true_grid(case)) == []


@EXAMPLES
@given(cases())
def test_marks_tell_small_from_hidden_and_shown_cells_are_true(case: Case) -> None:
    assert dishonest_cells(publish(case), true_grid(case)) == []


@EXAMPLES
@given(cases())
def test_suppression_is_deterministic(case: Case) -> None:
    assert not differs_between_calls(publish, case)


@st.composite
def linked_cases(
    draw: st.DrawFn,
) -> tuple[list[TableSpec], list[frozenset[tuple[str, str, str]]], int]:
    """Two tables of the same quarters whose total rows are equal, linked there."""
    first = draw(
        st.lists(st.lists(st.integers(0, 15), min_size=4, max_size=4), min_size=1, max_size=4)
    )
    parts = draw(st.integers(1, 4))
    columns = []
    for total in (sum(column) for column in zip(*first, strict=True)):
        cuts = sorted(draw(st.lists(st.integers(0, total), min_size=parts - 1, max_size=parts - 1)))
        columns.append([b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)])
    second = [list(row) for row in zip(*columns, strict=True)]
    a = CountTable(
        "a", tuple(f"a{i}" for i in range(len(first))), QUARTERS, tuple(map(tuple, first))
    )
    b = CountTable("b", tuple(f"b{i}" for i in range(parts)), QUARTERS, tuple(map(tuple, second)))
    groups = [frozenset({("a", TOTAL, q), ("b", TOTAL, q)}) for q in (*QUARTERS, TOTAL)]
    return [TableSpec(a), TableSpec(b)], groups, draw(st.sampled_from([5, 10]))


@EXAMPLES
@given(linked_cases())
def test_linked_cells_are_hidden_alike_and_none_can_be_worked_out(
    case: tuple[list[TableSpec], list[frozenset[tuple[str, str, str]]], int],
) -> None:
    specs, groups, threshold = case
    published = suppress_linked(specs, groups, threshold)
    assert linked_but_apart(published, groups) == []
    places: list[frozenset[Position]] = [
        frozenset(
            (0 if name == "a" else 1, *_place(published[name], row, column))
            for name, row, column in group
        )
        for group in groups
    ]
    assert determined_cells([published["a"], published["b"]], places) == []


def _place(published: PublishedTable, row: str, column: str) -> tuple[int, int]:
    return published.rows.index(row), published.columns.index(column)


# The checks above can fail: each catches a deliberately weakened suppression.


def primary_only(case: Case) -> PublishedTable:
    """Hide cells and totals below t, nothing more: what rules 2 and 3 are there to fix."""
    counts, t, row_totals, column_totals = case
    truth = true_grid(case)
    cells = tuple(tuple(below(t) if v < t else v for v in row) for row in truth)
    rows = counts.rows + ((TOTAL,) if column_totals else ())
    columns = counts.columns + ((TOTAL,) if row_totals else ())
    return PublishedTable(counts.name, t, rows, columns, cells)


SMALL_BESIDE_BIG: Case = (table([[3, 20, 30]]), 10, True, False)


def test_primary_only_leaves_a_cell_to_be_worked_out() -> None:
    weak = primary_only(SMALL_BESIDE_BIG)
    assert determined_cells([weak]) == [(0, 0, 0)]
    assert solvable_by_equations(weak) == [(0, 0)]
    assert unsafe_lines(weak, true_grid(SMALL_BESIDE_BIG)) == [(0, 3)]


def test_the_equations_oracle_sees_the_bridge() -> None:
    assert solvable_by_equations(primary_and_secondary_only(BRIDGE)) == [(1, 2)]


def test_a_small_total_shown_is_caught() -> None:
    case: Case = (table([[3, 4]]), 10, True, False)
    inner_only = primary_only(case)
    shows_total = PublishedTable("t", 10, inner_only.rows, inner_only.columns, (("<10", "<10", 7),))
    assert small_values_shown(shows_total) == [7]


def test_marking_every_hidden_cell_as_small_is_caught() -> None:
    published = publish(SMALL_BESIDE_BIG)
    all_small = PublishedTable(
        "t",
        10,
        published.rows,
        published.columns,
        tuple(tuple("<10" if isinstance(v, str) else v for v in row) for row in published.cells),
    )
    assert dishonest_cells(all_small, true_grid(SMALL_BESIDE_BIG)) == [(0, 1)]


def test_a_suppression_that_changes_between_calls_is_caught() -> None:
    calls = count()

    def drifting(case: Case) -> PublishedTable:
        counts, t, row_totals, column_totals = case
        force = frozenset({(0, 2)}) if next(calls) % 2 else frozenset()
        return suppress(counts, t, row_totals=row_totals, column_totals=column_totals, force=force)

    assert differs_between_calls(drifting, (table([[30, 40, 50]]), 10, True, False))


def test_tables_suppressed_apart_are_caught_by_the_link_check() -> None:
    apart = {spec.table.name: suppress(spec.table, 10) for spec in linked_pair()}
    assert linked_but_apart(apart, links()) != []
