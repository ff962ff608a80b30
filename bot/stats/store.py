"""Reading and adding the yearly picture's counters (``stats_counts``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import StorageError
from bot.signals.transaction import in_transaction
from bot.stats.models import StatsCountRow

# (measure, category, quarter 1–4) → count; a key that is missing counts 0.
YearCounts = Mapping[tuple[str, str, int], int]
# (year, quarter, measure, category) → how many to add.
NewCounts = Mapping[tuple[int, int, str, str], int]


async def read_year(
    sessions: async_sessionmaker[AsyncSession], organisation: str, year: int
) -> YearCounts:
    query = select(
        StatsCountRow.measure, StatsCountRow.category, StatsCountRow.quarter, StatsCountRow.count
    ).where(StatsCountRow.organisation == organisation, StatsCountRow.year == year)
    try:
        async with sessions() as db:
            found = (await db.execute(query)).all()
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot read the counters: {type(exc).__name__}") from exc
    # Unpacked, not ``row.count``: a row is a tuple, and that is its method.
    return {(measure, category, quarter): n for measure, category, quarter, n in found}


async def add_counts(
    sessions: async_sessionmaker[AsyncSession], organisation: str, counts: NewCounts
) -> None:
    """Add ``counts`` in one transaction of its own, never one that also writes a signal.

    On PostgreSQL every row written in a transaction carries its id (``xmin``): a counter
    written with a signal would name that signal's moment and content. The keys are written
    in sorted order, so two replicas adding at once wait for each other instead of
    deadlocking; ``count = count + excluded.count`` makes the two additions add up.
    """
    rows = [
        {
            "organisation": organisation,
            "year": year,
            "quarter": quarter,
            "measure": measure,
            "category": category,
            "count": n,
        }
        for (year, quarter, measure, category), n in sorted(counts.items())
        if n > 0
    ]
    if not rows:
        return

    async def work(db: AsyncSession) -> None:
        sqlite = db.get_bind().dialect.name == "sqlite"
        statement: Any = (sqlite_insert if sqlite else postgresql_insert)(StatsCountRow)
        upsert = statement.on_conflict_do_update(
            index_elements=["organisation", "year", "quarter", "measure", "category"],
            set_={"count": StatsCountRow.count + statement.excluded["count"]},
        )
        for row in rows:
            await db.execute(upsert, row)

    try:
        await in_transaction(sessions, work)
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot add to the counters: {type(exc).__name__}") from exc
