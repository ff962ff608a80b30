"""Disclosure control for the yearly tables: small cells hidden, and nothing hidden recoverable.

We follow the threshold rule and secondary cell suppression of the ESSnet Handbook on
Statistical Disclosure Control (Hundepool et al., 2010; published as *Statistical Disclosure
Control*, Wiley, 2012): a frequency-table cell with fewer than ``t`` contributors is unsafe,
and further cells are suppressed until no unsafe cell can be recalculated from the rest of
the table. Statistics Netherlands (CBS), whose rules the handbook's authors helped shape,
likewise checks for its diversity figures that every subgroup published about is large
enough, so that no output can be traced to one employee (cbs.nl, FAQ "culturele
diversiteit"); we take the minimum size from the setting ``report_threshold`` (10, never
below 5) rather than claim a CBS number.

1. Primary: every cell below ``t`` is hidden, zeros included (a zero in a small row says
   "nobody here", which is itself disclosive), and so is every total below ``t``.
2. Secondary, to a fixed point: every line (row or column) whose total is published and that
   has a hidden cell gets at least two hidden cells whose sum is at least ``t``: a reader gets
   that sum from the total, so it must not be a small count itself. The smallest shown cell
   of the line is added first (ties: the first in order); a line with nothing left to add
   hides its total.
3. Audit: "two per line" is not enough (two hidden 4-cycles joined by one hidden cell leave
   that cell solvable), so ``feasible.py`` computes every hidden cell's feasible range from
   what is published; a cell whose range is one value gets the smallest shown cell of its
   lines hidden beside it, and rules 2 and 3 repeat.

Marks: a hidden cell below ``t`` is shown as ``"<t"`` and one at or above ``t`` as ``"x"``.
Marking every hidden cell "<10" would be simpler but false for a cell of, say, 40 hidden only
to protect its neighbour; the honest "x" tells the reader that much (the audit takes it
into account), and nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.errors import ConfigError, InputError
from bot.stats.feasible import Position, determined_cells, lines_of
from bot.stats.tables import HIDDEN, TOTAL, Cell, CountTable, PublishedTable, below

# The lowest threshold the issue allows; settings.report_threshold enforces the same.
LOWEST_THRESHOLD = 5

# (table name, row label, column label); the labels of totals are "total".
CellRef = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A table and which totals it publishes: a ``total`` column, a ``total`` row, or both."""

    table: CountTable
    row_totals: bool = True
    column_totals: bool = True


def suppress(
    table: CountTable,
    threshold: int,
    *,
    row_totals: bool = True,
    column_totals: bool = True,
    force: frozenset[tuple[int, int]] = frozenset(),
) -> PublishedTable:
    """Publish one table; ``force`` names published places (totals included) to hide too."""
    spec = TableSpec(table, row_totals, column_totals)
    return _suppress([spec], [], threshold, {table.name: force})[table.name]


def suppress_linked(
    specs: Sequence[TableSpec], links: Sequence[frozenset[CellRef]], threshold: int
) -> dict[str, PublishedTable]:
    """Publish tables that share cells: a linked cell is hidden in all its tables or none."""
    return _suppress(specs, links, threshold, {})


def _suppress(
    specs: Sequence[TableSpec],
    links: Sequence[frozenset[CellRef]],
    threshold: int,
    force: dict[str, frozenset[tuple[int, int]]],
) -> dict[str, PublishedTable]:
    _check_threshold(threshold)
    grids = [_Grid(spec, threshold) for spec in specs]
    names = [grid.name for grid in grids]
    if len(set(names)) != len(names):
        raise InputError("two tables have the same name", code="bad_table")
    groups = [_resolve(link, grids) for link in links]
    for grid in grids:
        grid.hide_primary(force.get(grid.name, frozenset()))
    while True:
        _secondary(grids, groups)
        published = [grid.published() for grid in grids]
        if not _protect(grids, determined_cells(published, groups)):
            return dict(zip(names, published, strict=True))


def _check_threshold(threshold: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise ConfigError(f"the report threshold must be a whole number, not {threshold!r}")
    if threshold < LOWEST_THRESHOLD:
        raise ConfigError(f"the report threshold is {threshold}; it may not be below 5")


def _secondary(grids: list[_Grid], groups: list[frozenset[Position]]) -> None:
    changed = True
    while changed:
        changed = False
        for group in groups:
            if any(grids[k].is_hidden(r, c) for k, r, c in group):
                for k, r, c in group:
                    changed |= grids[k].hide(r, c)
        for grid in grids:
            changed |= grid.protect_lines()


def _protect(grids: list[_Grid], determined: list[Position]) -> bool:
    """Hide one more cell beside each cell the audit found solvable; False if none was."""
    # A cell hidden for one solvable cell often frees the next one too (its line-mate), so
    # a cell whose lines already gained a hidden cell in this round waits for the next audit.
    changed: set[tuple[int, int, int]] = set()
    for k, r, c in determined:
        if not any(grids[k].shares_line((r, c), (i, j)) for q, i, j in changed if q == k):
            place = grids[k].hide_beside(r, c)
            if place is not None:
                changed.add((k, *place))
    return bool(changed)


def _resolve(link: frozenset[CellRef], grids: list[_Grid]) -> frozenset[Position]:
    places = []
    for name, row, column in sorted(link):
        found = [k for k, grid in enumerate(grids) if grid.name == name]
        if not found:
            raise InputError(f"a link names an unknown table {name!r}", code="bad_table")
        k = found[0]
        places.append((k, *grids[k].place_of(row, column)))
    if len({grids[k].values[r][c] for k, r, c in places}) > 1:
        raise InputError(f"linked cells {sorted(link)} differ in value", code="bad_table")
    return frozenset(places)


class _Grid:
    """One table while it is being suppressed: true counts with totals, and what is hidden."""

    def __init__(self, spec: TableSpec, threshold: int) -> None:
        table = spec.table
        _check_table(table)
        self.name = table.name
        self.threshold = threshold
        self.rows = table.rows + ((TOTAL,) if spec.column_totals else ())
        self.columns = table.columns + ((TOTAL,) if spec.row_totals else ())
        values = [list(row) + ([sum(row)] if spec.row_totals else []) for row in table.cells]
        if spec.column_totals:
            values.append([sum(column) for column in zip(*values, strict=True)])
        self.values = values
        self.lines = lines_of(
            len(self.rows), len(self.columns), spec.row_totals, spec.column_totals
        )
        self.hidden: set[tuple[int, int]] = set()

    def place_of(self, row: str, column: str) -> tuple[int, int]:
        if row not in self.rows or column not in self.columns:
            raise InputError(f"no cell ({row!r}, {column!r}) in {self.name!r}", code="bad_table")
        return self.rows.index(row), self.columns.index(column)

    def is_hidden(self, r: int, c: int) -> bool:
        return (r, c) in self.hidden

    def hide(self, r: int, c: int) -> bool:
        if (r, c) in self.hidden:
            return False
        self.hidden.add((r, c))
        return True

    def hide_primary(self, force: frozenset[tuple[int, int]]) -> None:
        for r, c in sorted(force):
            if not (0 <= r < len(self.rows) and 0 <= c < len(self.columns)):
                raise InputError(f"no place ({r}, {c}) to force in {self.name!r}", code="bad_table")
            self.hide(r, c)
        for r, row in enumerate(self.values):
            for c, value in enumerate(row):
                if value < self.threshold:
                    self.hide(r, c)

    def protect_lines(self) -> bool:
        changed = False
        for members, total in self.lines:
            while total not in self.hidden and not self._line_is_safe(members):
                shown = [m for m in members if m not in self.hidden]
                changed |= self.hide(*(self._smallest(shown) if shown else total))
        return changed

    def _line_is_safe(self, members: list[tuple[int, int]]) -> bool:
        hidden = [self.values[r][c] for r, c in members if (r, c) in self.hidden]
        return not hidden or (len(hidden) >= 2 and sum(hidden) >= self.threshold)

    def _smallest(self, places: list[tuple[int, int]]) -> tuple[int, int]:
        # Ties go to the first in order: min keeps the first of equal keys.
        return min(places, key=lambda place: self.values[place[0]][place[1]])

    def _lines_through(self, place: tuple[int, int]) -> list[list[tuple[int, int]]]:
        return [[*members, total] for members, total in self.lines if place in [*members, total]]

    def shares_line(self, a: tuple[int, int], b: tuple[int, int]) -> bool:
        return any(b in line for line in self._lines_through(a))

    def hide_beside(self, r: int, c: int) -> tuple[int, int] | None:
        """Hide the smallest shown cell of the lines through (r, c), or of the table."""
        beside = [
            place
            for line in self._lines_through((r, c))
            for place in line
            if place not in self.hidden
        ]
        if not beside:
            beside = [
                (i, j)
                for i in range(len(self.rows))
                for j in range(len(self.columns))
                if (i, j) not in self.hidden
            ]
        if not beside:
            return None
        place = self._smallest(beside)
        self.hide(*place)
        return place

    def published(self) -> PublishedTable:
        cells = tuple(
            tuple(self._shown(r, c, value) for c, value in enumerate(row))
            for r, row in enumerate(self.values)
        )
        return PublishedTable(self.name, self.threshold, self.rows, self.columns, cells)

    def _shown(self, r: int, c: int, value: int) -> Cell:
        if (r, c) not in self.hidden:
            return value
        return below(self.threshold) if value < self.threshold else HIDDEN


def _check_table(table: CountTable) -> None:
    if not table.rows or not table.columns:
        raise InputError(f"table {table.name!r} has no rows or no columns", code="bad_table")
    for labels in (table.rows, table.columns):
        if len(set(labels)) != len(labels) or TOTAL in labels:
            raise InputError(
                f"table {table.name!r} repeats a label or uses 'total'", code="bad_table"
            )
    if len(table.cells) != len(table.rows) or any(
        len(row) != len(table.columns) for row in table.cells
    ):
        raise InputError(
            f"table {table.name!r} is not {len(table.rows)} × {len(table.columns)}",
            code="bad_table",
        )
    for row in table.cells:
        for value in row:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InputError(
                    f"table {table.name!r} holds {value!r}, not a count", code="bad_table"
                )
