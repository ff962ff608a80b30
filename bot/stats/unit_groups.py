"""Coarse groups of units that the yearly picture may count signals by (``statistics.toml``).

The unit a reporter picks on the intake form is never counted as such: a small unit and a
quarter can be enough to tell who spoke up. An organisation that wants a picture per part of
the organisation names coarse groups of units (a directorate-general, say) in
``statistics.toml`` in its overlay folder (``MELDWIJZER_KNOWLEDGE_DIR``, beside
``contacts.toml``); signals are then counted per group, in a table of their own with the same
suppression as every other. Without the file nothing is counted by unit.

The format::

    # The smallest group that may be counted, in people (default 1000, never below 500).
    minimum_size = 1000

    [[group]]
    name = "DG Werk"            # as the report shows it; at most 64 characters
    size = 2400                 # people in the group; at least minimum_size
    units = ["Directie A", "Directie B"]   # the units as the intake form offers them

    [[group]]
    name = "DG Zorg"
    size = 1800
    units = ["Directie C"]

At most 30 groups; a unit belongs to at most one group; a unit in no group is not counted.
Units match whatever their case and spacing ("directie  a" is "Directie A").

Why a floor (our own rule, not taken from a standard): a count says "someone among these
people left a signal this quarter". Suppression hides counts below the report's threshold,
but it cannot make a small group large: among a few dozen people, a quarter with signals at
all narrows down who it may have been, and an adviser's or manager's knowledge does the rest.
The organisation states each group's size (the file cannot check it); 1000 people is the
default smallest group and 500 the floor no file can go under, so that a group is always
many teams, never a team. At most 30 groups keeps the table one screen long and every group
large in a mid-sized organisation.

A broken file raises :class:`bot.errors.ConfigError` naming the file and the problem, and
nothing of it is used. Loading reads one small file and has no other effect.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeGuard

from bot.errors import ConfigError
from bot.stats.tables import TOTAL

_FORMULA_STARTS = frozenset("=+-@")

# The row for signals whose unit is in no group, or that gave none.
OTHER_GROUP = "other"

STATISTICS_FILE = "statistics.toml"
DEFAULT_MINIMUM_SIZE = 1000
FLOOR = 500
MAX_GROUPS = 30
# The report's category column holds 64 characters (stats_counts.category).
MAX_NAME = 64
MAX_FILE_BYTES = 256 * 1024  # a few KiB for 30 groups; more is not a statistics file
_TOP_KEYS = frozenset({"minimum_size", "group"})
_GROUP_KEYS = frozenset({"name", "size", "units"})
Fail = Callable[[str], ConfigError]


@dataclass(frozen=True, slots=True)
class UnitGroup:
    name: str
    size: int
    units: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UnitGroups:
    """The configured groups in the file's order; none when the organisation configured none."""

    minimum_size: int = DEFAULT_MINIMUM_SIZE
    groups: tuple[UnitGroup, ...] = ()
    # normalised unit -> group name; follows from ``groups``
    _by_unit: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}), repr=False, compare=False
    )

    @classmethod
    def load(cls, path: Path | None) -> UnitGroups:
        """The groups of ``statistics.toml`` in the overlay folder ``path`` (or that file).

        No folder, or a folder without the file: no groups.
        """
        if path is None:
            return cls()
        if path.is_dir():
            path = path / STATISTICS_FILE
            if not path.exists():
                return cls()
        return _parse(path, _read(path))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(group.name for group in self.groups)

    def group_of(self, unit: str) -> str | None:
        """The group ``unit`` belongs to; ``other`` for a unit in none (or none given).

        None only when no groups are configured: then no unit is counted. With groups, every
        signal counts in exactly one row, so the table's total equals the signals' total and
        no difference between the two can tell how many signals came from outside the groups.
        """
        if not self.groups:
            return None
        return self._by_unit.get(_key(unit), OTHER_GROUP) if unit.strip() else OTHER_GROUP


def _key(unit: str) -> str:
    """A unit as matched: compatibility-normalised, spaces collapsed, case folded."""
    return " ".join(unicodedata.normalize("NFKC", unit).split()).casefold()


def _read(file: Path) -> dict[str, Any]:
    try:
        with file.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{file}: cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(f"{file}: larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None


def _parse(file: Path, data: dict[str, Any]) -> UnitGroups:
    def fail(problem: str) -> ConfigError:
        return ConfigError(f"{file}: {problem}")

    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise fail(f"unknown setting {unknown[0]!r} (known: minimum_size and [[group]])")
    minimum = data.get("minimum_size", DEFAULT_MINIMUM_SIZE)
    if not _whole(minimum) or minimum < FLOOR:
        raise fail(f"minimum_size must be a whole number of people, at least {FLOOR}")
    entries = data.get("group", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise fail("groups are written as [[group]] tables")
    if len(entries) > MAX_GROUPS:
        raise fail(f"{len(entries)} groups; at most {MAX_GROUPS}")
    groups = tuple(_group(fail, number, entry, minimum) for number, entry in enumerate(entries, 1))
    return UnitGroups(minimum, groups, MappingProxyType(_index(fail, groups)))


def _group(fail: Fail, number: int, entry: dict[str, Any], minimum: int) -> UnitGroup:
    unknown = sorted(set(entry) - _GROUP_KEYS)
    if unknown:
        raise fail(f"group {number}: unknown setting {unknown[0]!r} (known: name, size, units)")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail(f"group {number}: the name is empty")
    name = " ".join(name.split())
    if len(name) > MAX_NAME:
        raise fail(f"group {number}: the name is longer than {MAX_NAME} characters")
    if name.casefold() == TOTAL:
        raise fail(f"group {number}: {TOTAL!r} is the name of the report's totals")
    if name.casefold() == OTHER_GROUP:
        raise fail(f"group {number}: {OTHER_GROUP!r} is the row of units in no group")
    if any(unicodedata.category(character).startswith("C") for character in name):
        raise fail(f"group {number}: the name has a control or unassigned character")
    if name[0] in _FORMULA_STARTS:
        # A spreadsheet reads a CSV cell that starts with one of these as a formula (OWASP,
        # "CSV Injection"); the report's CSV carries the name as it is.
        raise fail(f"group {number}: the name may not start with {name[0]!r}")
    size = entry.get("size")
    if not _whole(size):
        raise fail(f"group {name!r}: size must be the whole number of people in it")
    if size < minimum:
        raise fail(f"group {name!r}: size {size} is below minimum_size {minimum}")
    units = entry.get("units")
    if not isinstance(units, list) or not units:
        raise fail(f"group {name!r}: units must be a list of at least one unit")
    if not all(isinstance(unit, str) and _key(unit) for unit in units):
        raise fail(f"group {name!r}: every unit must be a name, not empty")
    return UnitGroup(name, size, tuple(dict.fromkeys(" ".join(u.split()) for u in units)))


def _index(fail: Fail, groups: tuple[UnitGroup, ...]) -> dict[str, str]:
    by_unit: dict[str, str] = {}
    names: set[str] = set()
    for group in groups:
        if group.name.casefold() in names:
            raise fail(f"two groups are named {group.name!r}")
        names.add(group.name.casefold())
        for unit in group.units:
            other = by_unit.get(_key(unit))
            if other is not None and other != group.name:
                raise fail(f"unit {unit!r} is in group {other!r} and in group {group.name!r}")
            by_unit[_key(unit)] = group.name
    return by_unit


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
