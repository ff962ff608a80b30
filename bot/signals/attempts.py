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
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import delete, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import RateLimited, StorageError
from bot.signals.models import AttemptRow, SignalOpenRow
from bot.signals.writer import SignalWriter

WINDOW_SECONDS = 15 * 60
PER_CONVERSATION = 5
OPEN_WINDOW_SECONDS = 60 * 60
OPENS_PER_SIGNAL = 20

T = TypeVar("T")
CounterTable = type[AttemptRow] | type[SignalOpenRow]
WINDOWS: dict[CounterTable, int] = {AttemptRow: WINDOW_SECONDS, SignalOpenRow: OPEN_WINDOW_SECONDS}


class ReceiptLimits:
    """Counts per (bucket, window) with ``INSERT … ON CONFLICT DO UPDATE … RETURNING``.

    SQLite ≥ 3.35 and PostgreSQL both run it as one atomic statement, so there is no
    check-then-write race. The commit is relaxed (``synchronous=NORMAL`` for SQLite,
    ``synchronous_commit=off`` for PostgreSQL): a power cut may forget a count, never a
    signal.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        writer: SignalWriter,
        secret: bytes,
        limits: tuple[int, int] = (PER_CONVERSATION, OPENS_PER_SIGNAL),
    ) -> None:
        self._sessions = sessions
        self._writer = writer
        self._open_key = hmac.new(secret, b"signal-opens", hashlib.sha256).digest()
        self._per_conversation, self._per_signal = limits

    async def reserve(
        self, bucket: str, now: datetime, lookup: Callable[[AsyncSession], Awaitable[T]]
    ) -> T:
        """Count this look-up for the conversation, then run it in the same transaction.

        :class:`RateLimited` if it is one too many: the count stays, the look-up never runs.
        """
        counted: list[T] = []

        async def then(db: AsyncSession, counts: list[int]) -> None:
            if counts[0] <= self._per_conversation:
                counted.append(await lookup(db))

        await self._count([(AttemptRow, bucket, 1)], now, then=then)
        if not counted:
            raise RateLimited("too many receipt attempts")
        return counted[0]

    async def found(self, bucket: str, signal_id: str, now: datetime) -> None:
        """The look-up found its signal: refund the conversation, count the signal's open.

        One write for both, queued before unevaluated look-ups (the receipt is proven).
        """
        opened = hmac.new(self._open_key, signal_id.encode(), hashlib.sha256).hexdigest()
        entries: list[tuple[CounterTable, str, int]] = [
            (AttemptRow, bucket, -1),
            (SignalOpenRow, opened, 1),
        ]
        _, opens = await self._count(entries, now, urgent=True)
        if opens > self._per_signal:
            raise RateLimited("this signal was opened often", code="opened_often")

    async def purge(self, now: datetime) -> None:
        """Forget windows before the last one (housekeeping)."""
        try:
            async with self._writer.turn(), self._sessions.begin() as db:
                for table, seconds in WINDOWS.items():
                    old = table.window < _window(now, seconds) - 1
                    await db.execute(delete(table).where(old))
        except SQLAlchemyError as exc:
            raise StorageError("cannot purge receipt look-up counts") from exc

    async def _count(
        self,
        entries: list[tuple[CounterTable, str, int]],
        now: datetime,
        *,
        urgent: bool = False,
        then: Callable[[AsyncSession, list[int]], Awaitable[None]] | None = None,
    ) -> list[int]:
        try:
            async with self._writer.turn(urgent=urgent), self._sessions() as db:
                sqlite = db.get_bind().dialect.name == "sqlite"
                relax = (
                    "PRAGMA synchronous=NORMAL" if sqlite else "SET LOCAL synchronous_commit TO OFF"
                )
                await db.execute(text(relax))
                try:
                    counts = [
                        int((await db.execute(_upsert(sqlite, *entry, now))).scalar_one())
                        for entry in entries
                    ]
                    if then is not None:
                        await then(db, counts)
                    await db.commit()
                finally:
                    if sqlite:  # the pooled connection goes back to full durability
                        await db.execute(text("PRAGMA synchronous=FULL"))
        except SQLAlchemyError as exc:
            raise StorageError("cannot count receipt look-ups") from exc
        return counts


def _upsert(sqlite: bool, table: CounterTable, bucket: str, step: int, now: datetime) -> Any:
    insert = sqlite_insert if sqlite else postgresql_insert
    return (
        insert(table)
        .values(bucket=bucket, window=_window(now, WINDOWS[table]), count=step)
        .on_conflict_do_update(
            index_elements=[table.bucket, table.window], set_={"count": table.count + step}
        )
        .returning(table.count)
    )


def _window(now: datetime, seconds: int) -> int:
    return int(now.timestamp()) // seconds
