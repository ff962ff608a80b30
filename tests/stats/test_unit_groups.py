"""Coarse groups of units from ``statistics.toml``: what counts, and every broken file refused."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import bot.stats.unit_groups as module
from bot.errors import ConfigError
from bot.stats.unit_groups import OTHER_GROUP, STATISTICS_FILE, UnitGroup, UnitGroups

EXAMPLE = """
minimum_size = 1000

[[group]]
name = "DG Werk"
size = 2400
units = ["Directie A", "Directie B"]

[[group]]
name = "DG Zorg"
size = 1800
units = ["Directie C"]
"""


def overlay(tmp_path: Path, text: str | bytes) -> Path:
    """An overlay folder whose ``statistics.toml`` holds ``text``."""
    file = tmp_path / STATISTICS_FILE
    if isinstance(text, bytes):
        file.write_bytes(text)
    else:
        file.write_text(text, encoding="utf-8")
    return tmp_path


def group(name: str, size: int = 1000, units: str = '["U"]') -> str:
    return f'\n[[group]]\nname = "{name}"\nsize = {size}\nunits = {units}\n'


def test_without_a_folder_or_a_file_nothing_is_counted_by_unit(tmp_path: Path) -> None:
    for groups in (UnitGroups.load(None), UnitGroups.load(tmp_path)):
        assert groups.names == ()
        assert groups.group_of("Directie A") is None
    assert list(tmp_path.iterdir()) == [], "loading writes nothing"


def test_the_groups_come_in_the_files_order_with_their_units(tmp_path: Path) -> None:
    groups = UnitGroups.load(overlay(tmp_path, EXAMPLE))
    assert groups.names == ("DG Werk", "DG Zorg")
    assert groups.minimum_size == 1000
    assert groups.groups[0] == UnitGroup("DG Werk", 2400, ("Directie A", "Directie B"))
    assert groups.group_of("Directie B") == "DG Werk"
    assert groups.group_of("Directie C") == "DG Zorg"


@pytest.mark.parametrize(
    "unit", ["directie a", "  DIRECTIE   A ", "Directie\u00a0A", "Directie\tA", "Ｄirectie A"]
)
def test_a_unit_matches_whatever_its_case_and_spacing(tmp_path: Path, unit: str) -> None:
    assert UnitGroups.load(overlay(tmp_path, EXAMPLE)).group_of(unit) == "DG Werk"


@pytest.mark.parametrize("unit", ["Directie D", "", "   ", "DirectieA", "Directie A B", "DG Werk"])
def test_a_unit_in_no_group_counts_as_other(tmp_path: Path, unit: str) -> None:
    assert UnitGroups.load(overlay(tmp_path, EXAMPLE)).group_of(unit) == OTHER_GROUP


@pytest.mark.parametrize("name", ["other", "Other", " OTHER "])
def test_other_is_not_a_group_name(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match="'other' is the row of units in no group"):
        UnitGroups.load(overlay(tmp_path, group(name)))


def test_the_file_itself_may_be_named(tmp_path: Path) -> None:
    folder = overlay(tmp_path, EXAMPLE)
    assert UnitGroups.load(folder / STATISTICS_FILE) == UnitGroups.load(folder)


def test_the_default_minimum_is_1000_and_the_edges_are_allowed(tmp_path: Path) -> None:
    assert UnitGroups.load(overlay(tmp_path, group("A", 1000))).minimum_size == 1000
    edges = "minimum_size = 500\n" + "".join(
        group("x" * 64 if n == 0 else f"G{n}", 500, f'["U{n}"]') for n in range(30)
    )
    groups = UnitGroups.load(overlay(tmp_path, edges))
    assert len(groups.names) == 30 and groups.names[0] == "x" * 64
    assert groups.group_of("u29") == "G29"


def test_the_format_in_the_module_docstring_loads(tmp_path: Path) -> None:
    assert module.__doc__ is not None
    (example,) = re.findall(r"The format::\n\n(.*?)\n\n(?=At most)", module.__doc__, re.S)
    groups = UnitGroups.load(overlay(tmp_path, "\n".join(line[4:] for line in example.split("\n"))))
    assert groups.names == ("DG Werk", "DG Zorg")


def test_loading_twice_gives_the_same_groups_and_changes_nothing(tmp_path: Path) -> None:
    folder = overlay(tmp_path, EXAMPLE)
    before = os.stat(folder / STATISTICS_FILE)
    assert UnitGroups.load(folder) == UnitGroups.load(folder)
    after = os.stat(folder / STATISTICS_FILE)
    assert (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size)
    assert [p.name for p in folder.iterdir()] == [STATISTICS_FILE]


BROKEN = {
    "bad TOML": ('[[group]\nname = "A"', "not valid TOML"),
    "not UTF-8": (b'[[group]]\nname = "\xff"\n', "not valid TOML"),
    "size below the minimum": (group("DG Werk", 999), "size 999 is below minimum_size 1000"),
    "size below a lower minimum": (
        "minimum_size = 600\n" + group("DG Werk", 599),
        "size 599 is below minimum_size 600",
    ),
    "a unit in two groups": (
        group("DG Werk", units='["Directie A"]') + group("DG Zorg", units='["directie  a"]'),
        "unit 'directie a' is in group 'DG Werk' and in group 'DG Zorg'",
    ),
    "an empty name": (group(""), "group 1: the name is empty"),
    "a name of spaces": (group("A") + group("   "), "group 2: the name is empty"),
    "a name too long": (group("x" * 65), "group 1: the name is longer than 64 characters"),
    "more than 30 groups": (
        "".join(group(f"G{n}", units=f'["U{n}"]') for n in range(31)),
        "31 groups; at most 30",
    ),
    "minimum below the floor": ("minimum_size = 499\n" + group("A"), "at least 500"),
    "minimum as text": ('minimum_size = "1000"\n' + group("A"), "at least 500"),
    "minimum as a yes": ("minimum_size = true\n" + group("A"), "at least 500"),
    "size as a fraction": (group("A", units='["U"]').replace("1000", "1000.5"), "whole number"),
    "no size": ('[[group]]\nname = "A"\nunits = ["U"]\n', "group 'A': size must be"),
    "no units": ('[[group]]\nname = "A"\nsize = 1000\n', "group 'A': units must be"),
    "empty units": (group("A", units="[]"), "group 'A': units must be"),
    "units as one text": (group("A", units='"U"'), "group 'A': units must be"),
    "an empty unit": (group("A", units='["U", " "]'), "group 'A': every unit must be a name"),
    "the same name twice": (
        group("DG Werk", units='["A"]') + group("dg werk", units='["B"]'),
        "two groups are named 'dg werk'",
    ),
    "the totals' name": (group("Total"), "'total' is the name of the report's totals"),
    "a control character": (group("DG\\u0007Werk"), "control or unassigned character"),
    "a misspelt table": ('[[groups]]\nname = "A"\n', "unknown setting 'groups'"),
    "a misspelt key": (group("A").replace("units", "unit"), "group 1: unknown setting 'unit'"),
    "group as a text": ('group = "DG Werk"\n', "written as [[group]] tables"),
    "a huge file": ("# " + "x" * (300 * 1024) + "\n", "larger than 256 KiB"),
}


@pytest.mark.parametrize(("text", "problem"), BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_file_is_refused_naming_the_file_and_the_problem(
    tmp_path: Path, text: str | bytes, problem: str
) -> None:
    folder = overlay(tmp_path, text)
    with pytest.raises(ConfigError) as refused:
        UnitGroups.load(folder)
    message = str(refused.value)
    assert message.startswith(f"{folder / STATISTICS_FILE}: "), message
    assert problem in message
    assert "Traceback" not in message and len(message.splitlines()) <= 3


def test_a_named_file_that_is_missing_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        UnitGroups.load(tmp_path / "missing" / STATISTICS_FILE)


UNITS = ["Directie A", "Directie B", "Directie C"]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> UnitGroups:
    return UnitGroups.load(overlay(tmp_path_factory.mktemp("overlay"), EXAMPLE))


@given(
    unit=st.sampled_from(UNITS),
    upper=st.lists(st.booleans(), min_size=10, max_size=10),
    pad=st.sampled_from(["", " ", "  ", "\t"]),
)
def test_any_case_and_spacing_of_a_configured_unit_finds_its_group(
    example: UnitGroups, unit: str, upper: list[bool], pad: str
) -> None:
    cased = "".join(c.upper() if up else c.lower() for c, up in zip(unit, upper, strict=False))
    written = pad + cased.replace(" ", " " + pad) + pad
    assert example.group_of(written) == example.group_of(unit) is not None


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x","a")', "+1", "-DG", "@SUM(A1)"])
def test_a_name_a_spreadsheet_would_read_as_a_formula_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match="may not start with"):
        UnitGroups.load(overlay(tmp_path, group(name.replace('"', "'"))))
