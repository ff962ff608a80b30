"""Closed signals are deleted after the retention period; nothing of them stays behind.

Common practice for confidential advisers' files is to destroy them once a case is closed
and counted in the anonymised annual report; the period is configurable
(``MELDWIJZER_RETENTION_DAYS``). Deleting a signal cascades to its messages and key
wraps; SQLite's ``secure_delete`` overwrites the freed pages.

Deleted in batches, each its own short transaction, with a bound on the work of one
housekeeping round: the first run after a long retention period lapses for a year's
signals at once must not hold the write lock while every turn waits.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import wipe_deleted
from bot.errors import StorageError
from bot.signals.models import MessageRow, SignalRow, SignalWrapRow

# Signals per transaction (each with its messages and wraps), and transactions per round.
PURGE_BATCH = 100
PURGE_BATCHES = 20


async def purge_closed_signals(
    sessions: async_sessionmaker[AsyncSession],
    today: date,
    retention_days: int,
    *,
    batch: int = PURGE_BATCH,
    batches: int = PURGE_BATCHES,
) -> int:
    """Delete up to ``batch × batches`` signals closed ``retention_days`` ago or longer."""
    cutoff = today - timedelta(days=retention_days)
    purged = 0
    try:
        for _ in range(batches):
            deleted = await _purge_batch(sessions, cutoff, batch)
            purged += deleted
            if deleted < batch:
                break
            await asyncio.sleep(0)  # turns waiting for the database go before the next batch
        if purged:
            await wipe_deleted(sessions)
    except SQLAlchemyError as exc:
        raise StorageError("cannot delete closed signals") from exc
    return purged


async def _purge_batch(sessions: async_sessionmaker[AsyncSession], cutoff: date, batch: int) -> int:
    expired = (
        select(SignalRow.id)
        .where(SignalRow.status == "closed", SignalRow.closed_on <= cutoff)
        .order_by(SignalRow.id)
        .limit(batch)
    )
    async with sessions.begin() as db:
        ids = list((await db.execute(expired)).scalars())
        if not ids:
            return 0
        # Children first: PostgreSQL cascades, but explicit deletes keep SQLite honest
        # when foreign keys were switched off by an operator's tool.
        await db.execute(delete(MessageRow).where(MessageRow.signal_id.in_(ids)))
        await db.execute(delete(SignalWrapRow).where(SignalWrapRow.signal_id.in_(ids)))
        await db.execute(delete(SignalRow).where(SignalRow.id.in_(ids)))
    return len(ids)
