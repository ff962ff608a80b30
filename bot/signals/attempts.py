"""Limits on receipt look-ups, shared through the database by every replica.

* Per conversation (its keyed hash): a few misses per quarter of an hour. A miss is
  counted in one atomic statement before it is answered, so concurrent guesses cannot slip
  past the limit; a look-up that finds its signal does not count, but is refused while the
  conversation is over its limit.
* Per signal (a keyed hash of its id, so the table does not name signals): a bounded
  number of successful opens per hour, so re-reading a valid receipt in a loop cannot make
  the server run Argon2id without end. An open the KDF pool refused as busy is refunded.

There is deliberately no counter shared by all reporters: a stranger filling it would lock
everyone out of their signal. Guessing needs no such guard: a receipt has 100 random bits
and a wrong one costs one HMAC. Malformed codes never reach this module.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import back_to_full_durability
from bot.errors import RateLimited, StorageError
from bot.signals.models import AttemptRow, SignalOpenRow
from bot.signals.writer import SignalWriter

WINDOW_SECONDS = 15 * 60
PER_CONVERSATION = 5
OPEN_WINDOW_SECONDS = 60 * 60
OPENS_PER_SIGNAL = 10
MAX_KNOWN_OVER = 10_000

CounterTable = type[AttemptRow] | type[SignalOpenRow]
Upsert = Callable[[CounterTable, str, int, datetime], Awaitable[int]]
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
        # (bucket, window) pairs already over their limit. Counts only grow within a window,
        # so this process may refuse them again without a write: a loop re-reading a valid
        # receipt, or a guesser who stays in one conversation, then costs no database work.
        self._over: dict[tuple[str, int], None] = {}

    def _known_over(self, bucket: str, table: CounterTable, now: datetime) -> bool:
        return (bucket, _window(now, WINDOWS[table])) in self._over

    def _mark_over(self, bucket: str, table: CounterTable, now: datetime) -> None:
        self._over[(bucket, _window(now, WINDOWS[table]))] = None
        while len(self._over) > MAX_KNOWN_OVER:
            del self._over[next(iter(self._over))]  # the oldest goes first

    async def missed(self, bucket: str, now: datetime) -> None:
        """A well-formed receipt the index does not know: count it for the conversation.

        :class:`RateLimited` if it is one too many. Counted before any answer is given or
        any Argon2id is run for it (the old-scheme fallback runs only after this).
        """
        if self._known_over(bucket, AttemptRow, now):
            raise RateLimited("too many receipt attempts")
        async with self._relaxed_write(urgent=False) as upsert:
            count = await upsert(AttemptRow, bucket, 1, now)
        if count > self._per_conversation:
            self._mark_over(bucket, AttemptRow, now)
            raise RateLimited("too many receipt attempts")

    async def found(self, bucket: str, signal_id: str, now: datetime, *, counted: bool) -> None:
        """The look-up found its signal: check the conversation, count the signal's open.

        One write, queued before the look-ups of strangers (this receipt is proven). A
        look-up that finds its signal does not count against the conversation (``counted``:
        :meth:`missed` already counted it, so it is refunded), but it is refused once the
        conversation is over its limit, and once the signal was opened too often this hour.
        """
        opened = hmac.new(self._open_key, signal_id.encode(), hashlib.sha256).hexdigest()
        if self._known_over(bucket, AttemptRow, now):
            raise RateLimited("too many receipt attempts")
        if self._known_over(opened, SignalOpenRow, now):
            raise RateLimited("this signal was opened often", code="opened_often")
        async with self._relaxed_write(urgent=True) as upsert:
            if counted:
                await upsert(AttemptRow, bucket, -1, now)
                limited = False
            else:  # as if counted and refunded: only a refused look-up leaves a count
                limited = await upsert(AttemptRow, bucket, 0, now) >= self._per_conversation
                if limited:
                    await upsert(AttemptRow, bucket, 1, now)
            opens = 0 if limited else await upsert(SignalOpenRow, opened, 1, now)
        if limited:
            raise RateLimited("too many receipt attempts")
        if opens > self._per_signal:
            self._mark_over(opened, SignalOpenRow, now)
            raise RateLimited("this signal was opened often", code="opened_often")

    async def refund_open(self, signal_id: str, now: datetime) -> None:
        """The pool was busy and nothing was opened: the open :meth:`found` counted is undone.

        Only the signal's count moves: a reporter retrying "busy" under a flood does not use
        up their own opens. A signal already marked over its limit stays refused for this
        window in this process (the mark is only ever set by a successful count).
        """
        opened = hmac.new(self._open_key, signal_id.encode(), hashlib.sha256).hexdigest()
        async with self._relaxed_write(urgent=True) as upsert:
            await upsert(SignalOpenRow, opened, -1, now)

    async def purge(self, now: datetime) -> None:
        """Forget windows before the last one (housekeeping)."""
        try:
            async with self._writer.turn(), self._sessions.begin() as db:
                for table, seconds in WINDOWS.items():
                    old = table.window < _window(now, seconds) - 1
                    await db.execute(delete(table).where(old))
        except SQLAlchemyError as exc:
            raise StorageError("cannot purge receipt look-up counts") from exc

    @contextlib.asynccontextmanager
    async def _relaxed_write(self, *, urgent: bool) -> AsyncIterator[Upsert]:
        """One transaction of counter upserts, committed with relaxed durability."""
        try:
            async with self._writer.turn(urgent=urgent), self._sessions() as db:
                sqlite = db.get_bind().dialect.name == "sqlite"
                relax = (
                    "PRAGMA synchronous=NORMAL" if sqlite else "SET LOCAL synchronous_commit TO OFF"
                )
                await db.execute(text(relax))

                async def upsert(table: CounterTable, bucket: str, step: int, now: datetime) -> int:
                    statement = _upsert(sqlite, table, bucket, step, now)
                    return int((await db.execute(statement)).scalar_one())

                try:
                    yield upsert
                    await db.commit()
                finally:
                    if sqlite:  # the pooled connection goes back to full durability
                        await back_to_full_durability(await db.connection())
        except SQLAlchemyError as exc:
            raise StorageError("cannot count receipt look-ups") from exc


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
