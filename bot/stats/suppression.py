"""Disclosure control for the yearly tables: small cells hidden, and nothing hidden recoverable.

We follow the threshold rule and secondary cell suppression of the ESSnet Handbook on
Statistical Disclosure Control (Hundepool et al., 2010; published as *Statistical Disclosure
Control*, Wiley, 2012): a frequency-table cell with fewer than ``t`` contributors is unsafe,
and further cells are suppressed until no unsafe cell can be recalculated from the rest of
the table. Statistics Netherlands (CBS) works the same way for the diversity figures it
makes for employers: it checks that every subgroup published about is large enough, so that
no output can be traced back to one employee (CBS, FAQ "Culturele diversiteit", juridische
vragen, "Wij willen alleen werknemers met een Nederlandse nationaliteit leveren …"):
https://www.cbs.nl/nl-nl/faq/culturele-diversiteit/juridische-vragen-cbs/wij-willen-alleen-werknemers-met-een-nederlandse-nationaliteit-leveren--bv-om-expats-uit-te-sluiten---kan-dat-
That page names no minimum size, and we cite none: the minimum is the setting
``report_threshold`` (10, never below 5, as the issue asks).

1. Primary: every cell below ``t`` is hidden, zeros included (a zero in a small row says
   "nobody here", which is itself disclosive), and so is every total below ``t``.
2. Secondary, to a fixed point: every line (row or column) whose total is published and that
   has a hidden cell gets at least two hidden cells whose sum is at least ``t``: a reader gets
   that sum from the total, so it must not be a small count itself. The smallest shown cell
   of the line is added first (ties: the first in order); a line with nothing left to add
   hides its total.
3. Audit: "two per line" is not enough (two hidden 4-cycles joined by one hidden cell leave
   that cell solvable), so ``feasible.py`` computes every hidden cell's feasible range from
   what is published (exactly, by linear programming; its docstring says why an LP bound is
   exact for these tables); a cell whose range is one value gets the smallest shown cell of
   its lines hidden beside it, and rules 2 and 3 repeat. Linked tables are audited together.

Marks: a hidden cell below ``t`` is shown as ``"<t"`` and one at or above ``t`` as ``"x"``.
Marking every hidden cell "<10" would be simpler but false for a cell of, say, 40 hidden only
to protect its neighbour; the honest "x" tells the reader that much (the audit takes it
into account), and nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.errors import ConfigError, InputError
from bot.stats.feasible import Position, determined_cells
from bot.stats.pattern import Pattern
from bot.stats.tables import CountTable, PublishedTable

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
    specs: Sequence[TableSpec],
    links: Sequence[frozenset[CellRef]],
    threshold: int,
    bounded: Sequence[tuple[CellRef, CellRef]] = (),
) -> dict[str, PublishedTable]:
    """Publish tables that share cells: a linked cell is hidden in all its tables or none.

    ``bounded``: pairs ``(a, b)`` whose counts always satisfy a <= b (a kind of behaviour and
    the quarter's signals); the audit reads them as a reader would.
    """
    return _suppress(specs, links, threshold, {}, bounded)


def _suppress(
    specs: Sequence[TableSpec],
    links: Sequence[frozenset[CellRef]],
    threshold: int,
    force: dict[str, frozenset[tuple[int, int]]],
    bounded: Sequence[tuple[CellRef, CellRef]] = (),
) -> dict[str, PublishedTable]:
    _check_threshold(threshold)
    patterns = [Pattern(s.table, threshold, s.row_totals, s.column_totals) for s in specs]
    names = [pattern.name for pattern in patterns]
    if len(set(names)) != len(names):
        raise InputError("two tables have the same name", code="bad_table")
    groups = [_resolve(link, patterns) for link in links]
    pairs = [_resolve_bound(pair, patterns) for pair in bounded]
    for pattern in patterns:
        pattern.hide_primary(force.get(pattern.name, frozenset()))
    while True:
        _secondary(patterns, groups)
        published = [pattern.published() for pattern in patterns]
        if not _protect(patterns, _audit(published, groups, pairs)):
            return dict(zip(names, published, strict=True))


def _audit(
    published: list[PublishedTable],
    groups: list[frozenset[Position]],
    pairs: Sequence[tuple[Position, Position]] = (),
) -> list[Position]:
    """Solvable cells, table group by table group: only tables linked (or bounded) together
    are read together."""
    found: list[Position] = []
    joined = [*groups, *(frozenset(pair) for pair in pairs)]
    for members in _linked_together(len(published), joined):
        local = {k: i for i, k in enumerate(members)}
        inside = [
            frozenset((local[k], r, c) for k, r, c in group)
            for group in groups
            if next(iter(group))[0] in local
        ]
        bounds = [
            ((local[a[0]], a[1], a[2]), (local[b[0]], b[1], b[2]))
            for a, b in pairs
            if a[0] in local
        ]
        tables = [published[k] for k in members]
        found += [(members[i], r, c) for i, r, c in determined_cells(tables, inside, bounds)]
    return sorted(found)


def _linked_together(count: int, groups: list[frozenset[Position]]) -> list[list[int]]:
    parent = list(range(count))

    def root(k: int) -> int:
        while parent[k] != k:
            k = parent[k]
        return k

    for group in groups:
        first, *rest = sorted({root(k) for k, _, _ in group})
        for other in rest:
            parent[other] = first
    components: dict[int, list[int]] = {}
    for k in range(count):
        components.setdefault(root(k), []).append(k)
    return list(components.values())


def _check_threshold(threshold: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise ConfigError(f"the report threshold must be a whole number, not {threshold!r}")
    if threshold < LOWEST_THRESHOLD:
        raise ConfigError(f"the report threshold is {threshold}; it may not be below 5")


def _secondary(patterns: list[Pattern], groups: list[frozenset[Position]]) -> None:
    changed = True
    while changed:
        changed = False
        for group in groups:
            if any(patterns[k].is_hidden(r, c) for k, r, c in group):
                for k, r, c in group:
                    changed |= patterns[k].hide(r, c)
        for pattern in patterns:
            changed |= pattern.protect_lines()


def _protect(patterns: list[Pattern], determined: list[Position]) -> bool:
    """Hide one more cell beside each cell the audit found solvable; False if none was."""
    # A cell hidden for one solvable cell often frees the next one too (its line-mate), so
    # a cell whose lines already gained a hidden cell in this round waits for the next audit.
    changed: set[tuple[int, int, int]] = set()
    for k, r, c in determined:
        if not any(patterns[k].shares_line((r, c), (i, j)) for q, i, j in changed if q == k):
            place = patterns[k].hide_beside(r, c)
            if place is not None:
                changed.add((k, *place))
    return bool(changed)


def _resolve_bound(
    pair: tuple[CellRef, CellRef], patterns: list[Pattern]
) -> tuple[Position, Position]:
    places = []
    for name, row, column in pair:
        found = [k for k, pattern in enumerate(patterns) if pattern.name == name]
        if not found:
            raise InputError(f"a bound names an unknown table {name!r}", code="bad_table")
        places.append((found[0], *patterns[found[0]].place_of(row, column)))
    (ka, ra, ca), (kb, rb, cb) = places
    if patterns[ka].values[ra][ca] > patterns[kb].values[rb][cb]:
        raise InputError(f"the bound {pair[0]} <= {pair[1]} does not hold", code="bad_table")
    return places[0], places[1]


def _resolve(link: frozenset[CellRef], patterns: list[Pattern]) -> frozenset[Position]:
    if len(link) < 2:
        raise InputError(f"a link needs two cells or more, not {sorted(link)}", code="bad_table")
    places = []
    for name, row, column in sorted(link):
        found = [k for k, pattern in enumerate(patterns) if pattern.name == name]
        if not found:
            raise InputError(f"a link names an unknown table {name!r}", code="bad_table")
        k = found[0]
        places.append((k, *patterns[k].place_of(row, column)))
    if len({patterns[k].values[r][c] for k, r, c in places}) > 1:
        raise InputError(f"linked cells {sorted(link)} differ in value", code="bad_table")
    return frozenset(places)
