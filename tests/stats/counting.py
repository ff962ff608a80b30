"""Reading what the counters hold, as the report will: ``read_year`` on the real database."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import text

from bot.app import Services
from bot.stats.store import read_year


async def counted(services: Services, year: int | None = None) -> Counter[tuple[str, str]]:
    """(measure, category) → count over the year's quarters (this year by default)."""
    year = year or datetime.now(UTC).astimezone(services.settings.zone).year
    found = await read_year(services.sessions, services.settings.organisation, year)
    totals: Counter[tuple[str, str]] = Counter()
    for (measure, category, _quarter), n in found.items():
        totals[(measure, category)] += n
    return totals


async def only(services: Services, measure: str) -> dict[str, int]:
    """One measure's categories that were counted, with their counts."""
    return {c: n for (m, c), n in (await counted(services)).items() if m == measure}


async def every_row(services: Services) -> list[tuple[object, ...]]:
    async with services.sessions() as db:
        return [tuple(row) for row in (await db.execute(text("SELECT * FROM stats_counts"))).all()]
