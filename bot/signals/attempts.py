"""Limits on receipt look-ups, shared through the database by every replica.

* Per conversation (its keyed hash): a few look-ups per quarter of an hour. An attempt is
  counted *before* it is evaluated, in one atomic statement, so concurrent attempts cannot
  slip past the limit; a look-up that finds its signal is refunded.
* Per signal (a keyed hash of its id, so the table does not name signals): a bounded
  number of successful opens per hour, so re-reading a valid receipt in a loop cannot make
  the server run Argon2id without end.

There is deliberately no counter shared by all reporters: a stranger filling it would lock
everyone out of their signal. Guessing needs no such guard: a receipt has 100 random bits
and a wrong one costs one HMAC. Malformed codes never reach this module.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import delete, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import RateLimited, StorageError
from bot.signals.models import AttemptRow, SignalOpenRow

WINDOW_SECONDS = 15 * 60
PER_CONVERSATION = 5
OPEN_WINDOW_SECONDS = 60 * 60
OPENS_PER_SIGNAL = 20

CounterTable = type[AttemptRow] | type[SignalOpenRow]


class WindowCounter:
    """Counts per (bucket, window) in one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``.

    SQLite ≥ 3.35 and PostgreSQL both run it as one atomic statement, so there is no
    check-then-write race. The commit is relaxed (``synchronous=NORMAL`` for SQLite,
    ``synchronous_commit=off`` for PostgreSQL): a power cut may forget a count, never a
    signal.
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], table: CounterTable, seconds: int
    ) -> None:
        self._sessions = sessions
        self._table = table
        self._seconds = seconds

    def window(self, now: datetime) -> int:
        return int(now.timestamp()) // self._seconds

    async def add(self, bucket: str, now: datetime, step: int = 1) -> int:
        """Add ``step`` to this window's count and return the new count."""
        try:
            async with self._sessions() as db:
                sqlite = db.get_bind().dialect.name == "sqlite"
                insert = sqlite_insert if sqlite else postgresql_insert
                table = self._table
                statement = (
                    insert(table)
                    .values(bucket=bucket, window=self.window(now), count=step)
                    .on_conflict_do_update(
                        index_elements=[table.bucket, table.window],
                        set_={"count": table.count + step},
                    )
                    .returning(table.count)
                )
                if sqlite:
                    await db.execute(text("PRAGMA synchronous=NORMAL"))
                else:
                    await db.execute(text("SET LOCAL synchronous_commit TO OFF"))
                try:
                    count = int((await db.execute(statement)).scalar_one())
                    await db.commit()
                finally:
                    if sqlite:  # the pooled connection goes back to full durability
                        await db.execute(text("PRAGMA synchronous=FULL"))
        except SQLAlchemyError as exc:
            raise StorageError("cannot count receipt look-ups") from exc
        return count

    async def purge(self, now: datetime) -> None:
        """Forget windows before the last one (housekeeping)."""
        try:
            async with self._sessions.begin() as db:
                old = self._table.window < self.window(now) - 1
                await db.execute(delete(self._table).where(old))
        except SQLAlchemyError as exc:
            raise StorageError("cannot purge receipt look-up counts") from exc


class AttemptLimiter:
    """A few receipt look-ups per conversation per quarter of an hour."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], limit: int = PER_CONVERSATION
    ) -> None:
        self._counter = WindowCounter(sessions, AttemptRow, WINDOW_SECONDS)
        self._limit = limit

    async def reserve(self, bucket: str, now: datetime) -> None:
        """Count this attempt; raise :class:`RateLimited` if it is one too many."""
        if await self._counter.add(bucket, now) > self._limit:
            raise RateLimited("too many receipt attempts")

    async def refund(self, bucket: str, now: datetime) -> None:
        """The look-up found its signal: it does not count against the conversation."""
        await self._counter.add(bucket, now, step=-1)

    async def purge(self, now: datetime) -> None:
        await self._counter.purge(now)


class OpenLimiter:
    """A bounded number of successful opens per signal per hour."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], secret: bytes, limit: int
    ) -> None:
        self._counter = WindowCounter(sessions, SignalOpenRow, OPEN_WINDOW_SECONDS)
        self._key = hmac.new(secret, b"signal-opens", hashlib.sha256).digest()
        self._limit = limit

    async def reserve(self, signal_id: str, now: datetime) -> None:
        bucket = hmac.new(self._key, signal_id.encode(), hashlib.sha256).hexdigest()
        if await self._counter.add(bucket, now) > self._limit:
            raise RateLimited("this signal was opened often", code="opened_often")

    async def purge(self, now: datetime) -> None:
        await self._counter.purge(now)
