"""Closed signals are deleted after the retention period; nothing of them stays behind.

Common practice for confidential advisers' files is to destroy them once a case is closed
and counted in the anonymised annual report; the period is configurable
(``MELDWIJZER_RETENTION_DAYS``). Deleting a signal cascades to its messages and key
wraps; SQLite's ``secure_delete`` overwrites the freed pages.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import wipe_deleted
from bot.errors import StorageError
from bot.signals.models import MessageRow, SignalRow, SignalWrapRow


async def purge_closed_signals(
    sessions: async_sessionmaker[AsyncSession], today: date, retention_days: int
) -> int:
    cutoff = today - timedelta(days=retention_days)
    expired = select(SignalRow.id).where(
        SignalRow.status == "closed", SignalRow.closed_on <= cutoff
    )
    try:
        async with sessions.begin() as db:
            # Children first: PostgreSQL cascades, but explicit deletes keep SQLite honest
            # when foreign keys were switched off by an operator's tool.
            await db.execute(delete(MessageRow).where(MessageRow.signal_id.in_(expired)))
            await db.execute(delete(SignalWrapRow).where(SignalWrapRow.signal_id.in_(expired)))
            result = await db.execute(
                delete(SignalRow).where(SignalRow.status == "closed", SignalRow.closed_on <= cutoff)
            )
        await wipe_deleted(sessions)
    except SQLAlchemyError as exc:
        raise StorageError("cannot delete closed signals") from exc
    return int(getattr(result, "rowcount", 0) or 0)
