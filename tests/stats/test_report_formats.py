"""JSON in the issue's exact shape, and the long CSV that reads back to the same cells."""

from __future__ import annotations

import json

from bot.stats.report_formats import CSV_HEADER, read_csv, report_csv, report_json
from bot.stats.report_tables import REPORT_MEASURES
from tests.stats.report_samples import sample_year


def test_json_has_exactly_year_threshold_and_tables() -> None:
    document = json.loads(report_json(sample_year(("Q1", "Q2"))))
    assert set(document) == {"year", "threshold", "tables"}
    assert document["year"] == 2025 and document["threshold"] == 10
    assert list(document["tables"]) == list(REPORT_MEASURES)
    signals = document["tables"]["signals"]
    assert set(signals) == {"rows", "columns", "cells"}
    assert signals["rows"] == ["anonymous", "named", "total"]
    assert signals["columns"] == ["Q1", "Q2", "total"]
    assert signals["cells"][0] == [10, "<10", "x"]
    assert all(len(row) == len(signals["columns"]) for row in signals["cells"])


def test_json_cells_are_numbers_or_marks() -> None:
    document = json.loads(report_json(sample_year()))
    for table in document["tables"].values():
        for row in table["cells"]:
            for cell in row:
                assert (isinstance(cell, int) and cell >= 10) or cell in ("<10", "x")


def test_a_draft_says_so_in_json_and_nothing_else_is_added() -> None:
    document = json.loads(report_json(sample_year(draft=True)))
    assert set(document) == {"year", "threshold", "tables", "draft"}
    assert document["draft"] is True


def test_csv_is_one_long_table_that_reads_back_to_the_json_cells() -> None:
    year = sample_year(("Q1", "Q2", "Q3"), unit_groups=("DG Noord", "DG, Zuid"))
    text = report_csv(year)
    assert text.splitlines()[0] == ",".join(CSV_HEADER)
    tables = read_csv(text)
    document = json.loads(report_json(year))["tables"]
    assert list(tables) == list(document)
    for name, table in document.items():
        expected = {
            (row, column): table["cells"][r][c]
            for r, row in enumerate(table["rows"])
            for c, column in enumerate(table["columns"])
        }
        assert tables[name] == expected


def test_a_draft_csv_starts_with_one_comment_line() -> None:
    lines = report_csv(sample_year(draft=True)).splitlines()
    assert lines[0].startswith("# draft, not for publication")
    assert lines[1] == ",".join(CSV_HEADER)
    assert read_csv("\n".join(lines)) == read_csv(report_csv(sample_year()))
