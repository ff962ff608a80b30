"""Suppression on small hand-made tables: what is hidden, how it is marked, what is refused."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError, InputError
from bot.stats.feasible import determined_cells, feasible_range
from bot.stats.suppression import TableSpec, suppress, suppress_linked
from bot.stats.tables import HIDDEN, CountTable, PublishedTable

QUARTERS = ("Q1", "Q2", "Q3", "Q4")


def table(cells: list[list[int]], name: str = "t") -> CountTable:
    rows = tuple(f"r{i}" for i in range(len(cells)))
    columns = tuple(f"c{j}" for j in range(len(cells[0]))) if cells else ()
    return CountTable(name, rows, columns, tuple(tuple(row) for row in cells))


def test_a_row_hides_its_small_cell_and_the_next_smallest() -> None:
    published = suppress(table([[3, 20, 30]]), 10, column_totals=False)
    assert published.columns == ("c0", "c1", "c2", "total")
    assert published.cells == (("<10", HIDDEN, 30, 53),)


def test_a_column_hides_its_small_cell_and_the_next_smallest() -> None:
    published = suppress(table([[30], [3], [20]]), 10, row_totals=False)
    assert published.rows == ("r0", "r1", "r2", "total")
    assert published.cells == ((30,), ("<10",), (HIDDEN,), (53,))


def test_a_two_way_table_hides_a_rectangle() -> None:
    published = suppress(table([[4, 12, 30], [15, 25, 40], [50, 50, 50]]), 10)
    # 4 takes the smallest of its row (12) and of its column (15); 12 then takes 25 from its
    # column, which also pairs 15 in its row: a rectangle, every hidden cell on a cycle.
    assert published.cells == (
        ("<10", HIDDEN, 30, 46),
        (HIDDEN, HIDDEN, 40, 80),
        (50, 50, 50, 150),
        (69, 87, 120, 276),
    )


def test_the_next_smallest_cell_of_the_line_is_taken_even_outside_the_rectangle() -> None:
    # Column c1 pairs 12 with its smallest shown cell, 20, not with 25: the rule is greedy.
    published = suppress(table([[4, 12, 30], [15, 25, 40], [20, 20, 20]]), 10)
    assert published.cells[2] == (HIDDEN, HIDDEN, 20, 60)
    assert determined_cells([published]) == []


def test_a_table_of_small_counts_shows_nothing() -> None:
    published = suppress(table([[1, 2], [3, 0]]), 10)
    assert {cell for row in published.cells for cell in row} == {"<10"}


def test_an_empty_table_shows_nothing_not_even_its_zeros() -> None:
    published = suppress(table([[0, 0, 0, 0]] * 3), 10)
    assert {cell for row in published.cells for cell in row} == {"<10"}


def test_one_big_cell_beside_a_small_one_is_hidden_as_x() -> None:
    published = suppress(table([[100, 2]]), 10, column_totals=False)
    assert published.cells == ((HIDDEN, "<10", 102),)
    assert feasible_range(published, 0, 0) == (93, 102)
    assert feasible_range(published, 0, 1) == (0, 9)


def test_two_small_cells_that_sum_to_the_most_they_can_are_protected() -> None:
    # 9 + 9 = 18 with both "<10" would leave only 9 and 9: the sum rule holds, the audit not.
    published = suppress(table([[9, 9, 30]]), 10, column_totals=False)
    assert published.cells == (("<10", "<10", HIDDEN, 48),)
    assert feasible_range(published, 0, 0) == (0, 9)


# Two hidden 4-cycles joined by one hidden cell (r1, c2): every line has two hidden cells
# summing to at least 10, yet the bridge is the difference of two known sums.
BRIDGE = [[5, 5, 50, 50], [5, 5, 3, 50], [50, 50, 5, 5], [50, 50, 5, 5]]


def primary_and_secondary_only(cells: list[list[int]]) -> PublishedTable:
    """The pattern the line rules alone give for BRIDGE: its nine small cells."""
    inner = [["<10" if v < 10 else v for v in row] for row in cells]
    rows = [[*row, sum(values)] for row, values in zip(inner, cells, strict=True)]
    totals = [sum(column) for column in zip(*cells, strict=True)]
    grid = (*map(tuple, rows), (*totals, sum(totals)))
    return PublishedTable(
        "t", 10, ("r0", "r1", "r2", "r3", "total"), (*table(cells).columns, "total"), grid
    )


def test_two_cycles_joined_by_a_bridge_give_the_bridge_away_without_the_audit() -> None:
    weak = primary_and_secondary_only(BRIDGE)
    assert feasible_range(weak, 1, 2) == (3, 3)
    assert determined_cells([weak]) == [(0, 1, 2)]


def test_the_audit_protects_the_bridge() -> None:
    published = suppress(table(BRIDGE), 10)
    assert published.cells[1][2] == "<10"
    lo, hi = feasible_range(published, 1, 2)
    assert (lo, hi) != (3, 3) and lo <= 3 <= (hi if hi is not None else 3)
    assert determined_cells([published]) == []


def test_a_forced_place_is_hidden_and_stays_protected() -> None:
    published = suppress(table([[40, 50], [60, 70]]), 10, force=frozenset({(2, 2)}))
    assert published.cells[2][2] == HIDDEN
    assert determined_cells([published]) == []


def test_without_totals_only_small_cells_are_hidden() -> None:
    published = suppress(table([[3, 40]]), 10, row_totals=False, column_totals=False)
    assert published.cells == (("<10", 40),)
    assert feasible_range(published, 0, 0) == (0, 9)


def test_an_x_cell_without_totals_has_no_upper_bound() -> None:
    published = PublishedTable("t", 10, ("r0",), ("c0", "c1"), ((HIDDEN, 4),))
    assert feasible_range(published, 0, 0) == (10, None)
    assert feasible_range(published, 0, 1) == (4, 4)


def test_the_threshold_moves_what_is_small() -> None:
    assert suppress(table([[7, 30]]), 5, column_totals=False).cells == ((7, 30, 37),)
    assert suppress(table([[7, 30]]), 10, column_totals=False).cells == (("<10", HIDDEN, 37),)


def linked_pair() -> list[TableSpec]:
    # Signals by mode and by role, the same signals: their total rows are equal.
    signals = CountTable("signals", ("anonymous", "named"), QUARTERS, ((11, 6, 2, 2), (4, 4, 2, 4)))
    roles = CountTable("roles", ("target", "witness"), QUARTERS, ((1, 0, 1, 6), (14, 10, 3, 0)))
    return [TableSpec(signals), TableSpec(roles)]


def links() -> list[frozenset[tuple[str, str, str]]]:
    return [
        frozenset({("signals", "total", q), ("roles", "total", q)}) for q in (*QUARTERS, "total")
    ]


def test_linked_cells_are_hidden_alike() -> None:
    published = suppress_linked(linked_pair(), links(), 10)
    signals, roles = published["signals"].cells[2], published["roles"].cells[2]
    assert [isinstance(v, str) for v in signals] == [isinstance(v, str) for v in roles]
    assert signals[1] == roles[1] == HIDDEN  # shown by signals alone, see below
    assert determined_cells(list(published.values())) == []


def test_tables_suppressed_apart_differ_in_their_shared_cells() -> None:
    # Why linking is needed: alone, signals shows its Q2 total (10), roles hides it.
    signals, roles = (suppress(spec.table, 10) for spec in linked_pair())
    assert isinstance(signals.cells[2][1], str) != isinstance(roles.cells[2][1], str)


def test_suppression_is_the_same_every_time() -> None:
    tables = [table(BRIDGE), table([[9, 9, 30], [1, 40, 2]])]
    assert [suppress(t, 10) for t in tables] == [suppress(t, 10) for t in tables]


@pytest.mark.parametrize("threshold", [4, 0, -10])
def test_a_threshold_below_five_is_refused(threshold: int) -> None:
    with pytest.raises(ConfigError, match="below 5"):
        suppress(table([[30]]), threshold)


@pytest.mark.parametrize("threshold", [True, 10.0, "10"])
def test_a_threshold_that_is_not_a_whole_number_is_refused(threshold: object) -> None:
    with pytest.raises(ConfigError, match="whole number"):
        suppress(table([[30]]), threshold)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (CountTable("t", ("a", "b"), ("c",), ((1,), (2, 3))), "is not 2 × 1"),
        (CountTable("t", ("a",), ("c",), ((1,), (2,))), "is not 1 × 1"),
        (CountTable("t", ("a",), ("c", "d"), ((1, -1),)), "not a count"),
        (CountTable("t", ("a",), ("c",), ((True,),)), "not a count"),
        (CountTable("t", ("a", "a"), ("c",), ((1,), (2,))), "repeats a label"),
        (CountTable("t", ("total",), ("c",), ((1,),)), "uses 'total'"),
        (CountTable("t", (), ("c",), ()), "no rows"),
    ],
)
def test_a_malformed_table_is_refused(bad: CountTable, message: str) -> None:
    with pytest.raises(InputError, match=message):
        suppress(bad, 10)


def test_a_forced_place_outside_the_table_is_refused() -> None:
    with pytest.raises(InputError, match="to force"):
        suppress(table([[30]]), 10, force=frozenset({(5, 0)}))


def test_links_to_unknown_tables_or_cells_or_unequal_values_are_refused() -> None:
    specs = linked_pair()
    with pytest.raises(InputError, match="unknown table"):
        suppress_linked(specs, [frozenset({("nope", "total", "Q1"), ("roles", "total", "Q1")})], 10)
    with pytest.raises(InputError, match="no cell"):
        suppress_linked(
            specs, [frozenset({("roles", "total", "Q9"), ("roles", "total", "Q1")})], 10
        )
    with pytest.raises(InputError, match="differ in value"):
        suppress_linked(
            specs, [frozenset({("roles", "target", "Q1"), ("signals", "named", "Q1")})], 10
        )
    with pytest.raises(InputError, match="two cells or more"):
        suppress_linked(specs, [frozenset({("roles", "total", "Q1")})], 10)
    with pytest.raises(InputError, match="two cells or more"):
        suppress_linked(specs, [frozenset()], 10)
    with pytest.raises(InputError, match="same name"):
        suppress_linked([specs[0], specs[0]], [], 10)


def test_feasible_range_refuses_a_place_outside_the_table_and_an_unknown_mark() -> None:
    published = PublishedTable("t", 10, ("r0",), ("c0",), (("?",),))
    with pytest.raises(InputError, match="no cell"):
        feasible_range(published, 1, 0)
    with pytest.raises(InputError, match="unknown mark"):
        feasible_range(published, 0, 0)


def test_a_table_linked_to_nothing_is_suppressed_as_if_alone() -> None:
    alone = table(BRIDGE, name="alone")
    published = suppress_linked([*linked_pair(), TableSpec(alone)], links(), 10)
    assert published["alone"] == suppress(alone, 10)
