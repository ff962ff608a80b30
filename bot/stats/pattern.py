"""The suppression pattern of one table: its true counts with totals, what is hidden, and why.

``suppression.py`` drives the rules over a group of tables; this module applies them to one:
the threshold rule, the line rule of secondary suppression, and one more hidden cell beside a
cell the audit found solvable. Places are (row, column) in the published grid, totals last.
"""

from __future__ import annotations

from bot.errors import InputError
from bot.stats.feasible import lines_of
from bot.stats.tables import HIDDEN, TOTAL, Cell, CountTable, PublishedTable, below


class Pattern:
    """One table while it is being suppressed: true counts with totals, and what is hidden."""

    def __init__(self, table: CountTable, threshold: int, row_totals: bool, column_totals: bool):
        check_table(table)
        self.name = table.name
        self.threshold = threshold
        self.rows = table.rows + ((TOTAL,) if column_totals else ())
        self.columns = table.columns + ((TOTAL,) if row_totals else ())
        values = [list(row) + ([sum(row)] if row_totals else []) for row in table.cells]
        if column_totals:
            values.append([sum(column) for column in zip(*values, strict=True)])
        self.values = values
        self.lines = lines_of(len(self.rows), len(self.columns), row_totals, column_totals)
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


def check_table(table: CountTable) -> None:
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
