"""What a reader can work out about a hidden cell: its feasible range given what is published.

A reader of a published table knows every shown number, that every line (row or column) with
a ``total`` sums to it, that a cell marked ``"<t"`` lies in ``[0, t-1]``, that a cell marked
``"x"`` is at least ``t`` (the mark says so; see ``suppression.py``) and that counts are whole
numbers ≥ 0. Linked tables add one more fact: a linked cell has the same value everywhere.
The feasible range of a hidden cell is the smallest and largest value it takes over all
integer tables that agree with those facts. This is the audit of the ESSnet Handbook on
Statistical Disclosure Control (Hundepool et al., 2010; Wiley, 2012) for tabular data: a
suppression pattern is safe only if no suppressed cell can be recalculated from the
published table; here "recalculated" means its feasible range is a single value.

Why an LP answers this exactly: with the unknowns moved to one side, every hidden cell
(inner cell or total) appears in exactly one row line and one column line with a coefficient
±1. After multiplying the total row's and the total column's equations by -1, the rows of
the matrix split into row lines and column lines such that each variable has same-sign
entries in different parts: the Heller–Tompkins condition, so the matrix is totally
unimodular (it is the incidence matrix of a transportation problem). With integer bounds and
right-hand sides every vertex of the polytope is integral, so the LP minimum and maximum of a
cell are the integer minimum and maximum, and a plain LP (HiGHS through
``scipy.optimize.milp`` without integrality) is exact. Equalities between linked tables can
break that structure, so for a group with a hidden linked cell we ask for integer solutions.

Bounds between tables are facts too: a kind of behaviour is counted at most once per signal,
so a kind's count is never above the signals of the same quarter. A reader who knows how the
bot counts can use that (a published kind of 20 tells that the quarter's hidden total of
signals is at least 20), so such pairs are inequalities of the same system, and their group
is solved in integers as well.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from bot.errors import InputError
from bot.stats.tables import HIDDEN, TOTAL, PublishedTable, below

# A cell in a group of linked tables: (index of the table, row, column), totals included.
Position = tuple[int, int, int]
# A line: the places of its members and the place of its total.
Line = tuple[list[tuple[int, int]], tuple[int, int]]


def lines_of(rows: int, columns: int, row_totals: bool, column_totals: bool) -> list[Line]:
    """Every line of a grid whose last column/row are totals: (members, the total's place)."""
    inner_rows = rows - 1 if column_totals else rows
    inner_columns = columns - 1 if row_totals else columns
    lines: list[Line] = []
    if row_totals:
        for r in range(rows):
            lines.append(([(r, c) for c in range(inner_columns)], (r, inner_columns)))
    if column_totals:
        for c in range(columns):
            lines.append(([(r, c) for r in range(inner_rows)], (inner_rows, c)))
    return lines


def feasible_range(published: PublishedTable, r: int, c: int) -> tuple[int, int | None]:
    """The smallest and largest value cell (r, c) can have; ``None`` means no upper bound."""
    if not (0 <= r < len(published.rows) and 0 <= c < len(published.columns)):
        raise InputError(f"no cell ({r}, {c}) in table {published.name!r}", code="bad_table")
    return _Problem([published], []).range_of((0, r, c))


def determined_cells(
    tables: Sequence[PublishedTable],
    links: Sequence[frozenset[Position]] = (),
    bounded: Sequence[tuple[Position, Position]] = (),
) -> list[Position]:
    """Hidden cells whose feasible range is one value, in table, row, column order.

    ``bounded`` holds pairs ``(a, b)`` a reader knows to satisfy value(a) <= value(b).
    """
    problem = _Problem(tables, links, bounded)
    problem.explore()
    return [place for place in problem.places if problem.is_determined(place)]


class _Problem:
    """The linear system a reader can write down for a group of published tables."""

    def __init__(
        self,
        tables: Sequence[PublishedTable],
        links: Sequence[frozenset[Position]],
        bounded: Sequence[tuple[Position, Position]] = (),
    ):
        self.tables = tables
        self.places: list[Position] = []
        lower: list[float] = []
        upper: list[float] = []
        known = 0
        for k, table in enumerate(tables):
            for r, row in enumerate(table.cells):
                for c, cell in enumerate(row):
                    if isinstance(cell, int):
                        known += cell
                        continue
                    self.places.append((k, r, c))
                    low, high = _bounds_of(table, cell)
                    lower.append(low)
                    upper.append(high)
        self.index = {place: i for i, place in enumerate(self.places)}
        # A stand-in for "no upper bound": a cell that is bounded at all is bounded by shown
        # numbers and "<t" marks, so by at most ``self.unbounded``; a maximum above that can
        # only come from the cap, which leaves room enough for every cell to move.
        self.unbounded = known + max((t.threshold for t in tables), default=0) * (
            len(self.places) + 1
        )
        cap = 4.0 * self.unbounded + 4.0
        self.bounds = Bounds(np.array(lower), np.array([min(u, cap) for u in upper]))
        self.constraints = [
            c for c in (self._equations(links), self._inequalities(bounded)) if c is not None
        ]
        self.seen_low = np.full(len(self.places), np.inf)
        self.seen_high = np.full(len(self.places), -np.inf)

    def _equations(self, links: Sequence[frozenset[Position]]) -> LinearConstraint | None:
        rows: list[np.ndarray] = []
        rhs: list[float] = []
        for k, table in enumerate(self.tables):
            has_rows = bool(table.columns) and table.columns[-1] == TOTAL
            has_columns = bool(table.rows) and table.rows[-1] == TOTAL
            grid = lines_of(len(table.rows), len(table.columns), has_rows, has_columns)
            for members, total in grid:
                equation = np.zeros(len(self.places))
                constant = 0.0
                for (r, c), sign in [(m, 1.0) for m in members] + [(total, -1.0)]:
                    cell = table.cells[r][c]
                    if isinstance(cell, int):
                        constant -= sign * cell
                    else:
                        equation[self.index[(k, r, c)]] += sign
                if equation.any():
                    rows.append(equation)
                    rhs.append(constant)
        linked = False
        for group in links:
            hidden = sorted(place for place in group if place in self.index)
            shown = [self.tables[k].cells[r][c] for k, r, c in group if (k, r, c) not in self.index]
            linked |= len(hidden) > 1
            for a, b in itertools.pairwise(hidden):
                equation = np.zeros(len(self.places))
                equation[self.index[a]], equation[self.index[b]] = 1.0, -1.0
                rows.append(equation)
                rhs.append(0.0)
            if hidden and shown:  # shown in one table, hidden in another: the reader knows it
                equation = np.zeros(len(self.places))
                equation[self.index[hidden[0]]] = 1.0
                rows.append(equation)
                rhs.append(float(shown[0]))
        self.integrality = np.full(len(self.places), 1 if linked else 0)
        if not rows:
            return None
        return LinearConstraint(np.array(rows), np.array(rhs), np.array(rhs))

    def _inequalities(
        self, bounded: Sequence[tuple[Position, Position]]
    ) -> LinearConstraint | None:
        """value(a) - value(b) <= 0 for each pair, with shown values moved to the right."""
        rows: list[np.ndarray] = []
        rhs: list[float] = []
        for a, b in bounded:
            if a not in self.index and b not in self.index:
                continue
            inequality = np.zeros(len(self.places))
            limit = 0.0
            for (k, r, c), sign in ((a, 1.0), (b, -1.0)):
                if (k, r, c) in self.index:
                    inequality[self.index[(k, r, c)]] += sign
                else:
                    cell = self.tables[k].cells[r][c]
                    assert isinstance(cell, int)
                    limit -= sign * cell
            rows.append(inequality)
            rhs.append(limit)
        if not rows:
            return None
        self.integrality = np.ones(len(self.places))
        return LinearConstraint(np.array(rows), np.full(len(rows), -np.inf), np.array(rhs))

    def _solve(self, objective: np.ndarray) -> float:
        result = milp(
            objective,
            integrality=self.integrality,
            bounds=self.bounds,
            constraints=self.constraints,
        )
        if result.x is None:
            raise InputError("the published tables contradict each other", code="bad_table")
        # Every solution is a table the reader cannot rule out: remember what each cell took.
        self.seen_low = np.minimum(self.seen_low, result.x)
        self.seen_high = np.maximum(self.seen_high, result.x)
        return float(objective @ result.x)

    def _extreme(self, i: int, sign: float) -> int:
        objective = np.zeros(len(self.places))
        objective[i] = sign
        return round(sign * self._solve(objective))

    def range_of(self, place: Position) -> tuple[int, int | None]:
        k, r, c = place
        cell = self.tables[k].cells[r][c]
        if isinstance(cell, int):
            return cell, cell
        i = self.index[place]
        low, high = self._extreme(i, 1.0), self._extreme(i, -1.0)
        return low, (None if high > self.unbounded else high)

    def explore(self) -> None:
        """Two opposite, uneven objectives: corners far apart that move most cells at once."""
        if self.places:
            # Fixed weights keep the work the same every run; the answer never depends on them.
            weights = np.array([(i * 7919) % 11 - 5.5 for i in range(len(self.places))])
            self._solve(weights)
            self._solve(-weights)

    def is_determined(self, place: Position) -> bool:
        # Two tables the reader cannot tell apart that differ in this cell prove it hidden;
        # most cells get such a pair from solutions found for earlier cells, for free.
        i = self.index[place]
        for sign in (1.0, -1.0):
            if self._varies(i):
                return False
            self._extreme(i, sign)
        return not self._varies(i)

    def _varies(self, i: int) -> bool:
        # Solutions are integral (see above), so two that differ differ by at least one.
        return bool(self.seen_high[i] - self.seen_low[i] >= 0.5)


def _bounds_of(table: PublishedTable, mark: str) -> tuple[float, float]:
    if mark == below(table.threshold):
        return 0.0, float(table.threshold - 1)
    if mark == HIDDEN:
        return float(table.threshold), np.inf
    raise InputError(f"unknown mark {mark!r} in table {table.name!r}", code="bad_table")
