"""The report for other programs: JSON in the issue's exact shape, and long-form CSV.

JSON: ``{"year", "threshold", "tables": {name: {"rows", "columns", "cells"}}}``; a hidden
cell is its mark ("<10", or "x" for one hidden beside a small one); totals are a row or
column named "total". A draft adds ``"draft": true`` and nothing else.

CSV: one long table ``table,row,column,value``, one line per published cell. It reads into
a spreadsheet, pandas or R as it is, and one header serves tables of any shape. A draft
starts with one ``#`` comment line (``pandas.read_csv(..., comment="#")``).
"""

from __future__ import annotations

import csv
import io
import json

from bot.stats.report_year import PublishedYear
from bot.stats.tables import Cell

CSV_HEADER = ("table", "row", "column", "value")
DRAFT_LINE = "# draft, not for publication: the year is not over, the running quarter is included"


def report_json(year: PublishedYear) -> str:
    document: dict[str, object] = {
        "year": year.year,
        "threshold": year.threshold,
        "tables": {
            t.name: {
                "rows": list(t.rows),
                "columns": list(t.columns),
                "cells": [list(row) for row in t.cells],
            }
            for t in year.tables
        },
    }
    if year.draft:
        document["draft"] = True
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def report_csv(year: PublishedYear) -> str:
    out = io.StringIO()
    if year.draft:
        out.write(DRAFT_LINE + "\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for table in year.tables:
        for r, row in enumerate(table.rows):
            for c, column in enumerate(table.columns):
                writer.writerow((table.name, row, column, table.cells[r][c]))
    return out.getvalue()


def read_csv(text: str) -> dict[str, dict[tuple[str, str], Cell]]:
    """The cells of a report's CSV by table, (row, column): how another program reads it."""
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    tables: dict[str, dict[tuple[str, str], Cell]] = {}
    for record in csv.DictReader(lines):
        value = record["value"]
        cell: Cell = int(value) if value.isdigit() else value
        tables.setdefault(record["table"], {})[(record["row"], record["column"])] = cell
    return tables
