"""From real flows to the page: three signals left through the bot make a year that says
only "fewer than 10", on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import Services
from bot.stats.report import build_report
from bot.stats.report_html import render_html
from bot.stats.report_year import published_quarters
from bot.stats.store import read_year
from bot.stats.tables import TOTAL, below
from tests.signals.conftest import submit_signal
from tests.stats.report_page import shown_numbers, texts_of


async def test_three_signals_through_the_bot_read_fewer_than_ten(any_services: Services) -> None:
    for kinds in ("racism", "racism,bullying", "discrimination"):
        assert (await submit_signal(any_services, kinds=kinds)).receipt
    settings = any_services.settings
    today = datetime.now(UTC).astimezone(settings.zone).date()
    counts = await read_year(any_services.sessions, settings.organisation, today.year)
    assert sum(n for (m, _, _), n in counts.items() if m == "signals") == 3
    quarters = published_quarters(today.year, today, draft=True)
    year = build_report(counts, today.year, settings.report_threshold, quarters, draft=True)
    assert year.cell("signals", TOTAL, TOTAL) == below(10)
    cells = [c for t in year.tables for row in t.cells for c in row]
    assert all(not isinstance(c, int) or c >= 10 for c in cells)
    page = render_html(year, "nl")
    assert texts_of(page, "dd")[0] == "minder dan 10"
    assert all(n >= 10 for n in shown_numbers(page))
