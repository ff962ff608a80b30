"""One report in the format asked for."""

from __future__ import annotations

from bot.stats.report_formats import report_csv, report_json
from bot.stats.report_html import render_html
from bot.stats.report_year import PublishedYear

FORMATS = ("html", "csv", "json")


def render(year: PublishedYear, fmt: str, lang: str) -> str:
    if fmt == "html":
        return render_html(year, lang)
    if fmt == "csv":
        return report_csv(year)
    if fmt == "json":
        return report_json(year)
    raise ValueError(f"unknown report format {fmt!r}")
