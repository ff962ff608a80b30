"""Fixed windows shared by every replica: at most ``most`` of a thing per window, exactly.

A window begins with the first count after the previous one ended and lasts
``window_seconds``. Counting is one ``INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING``:
SQLite (≥ 3.35) and PostgreSQL both run it as one atomic statement, so two requests at
once cannot both take the last place, and a client alternating between replicas gets the
allowance once. A refused count changes nothing (the ``WHERE`` fails), so hammering a full
window adds no writes, and nothing per token is kept in process memory.

Each replica's wall clock starts windows; a window never moves back, so a replica whose
clock lags only makes a window last longer (keep clocks in sync, as for outbox leases).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import BigInteger, bindparam, case, delete, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.expression import Executable

from bot.errors import StorageError
from bot.limits.models import RateWindowRow
from bot.limits.writes import LimitWrites

WEBCHAT_TURNS = "webchat-turns"
TURNS_PER_WINDOW = 30
TURN_WINDOW_SECONDS = 60
# No window in the table lasts longer; older rows are only ever stale.
LONGEST_WINDOW_SECONDS = 60 * 60
PURGE_BATCH = 1_000
PURGE_BATCHES = 100


class SharedTurnLimit:
    """At most ``most`` turns per web chat token in each window, across all replicas."""

    __slots__ = ("_clock", "_key", "_most", "_seconds", "_statement", "_writes")

    def __init__(
        self,
        writes: LimitWrites,
        secret: bytes,
        *,
        most: int = TURNS_PER_WINDOW,
        window_seconds: int = TURN_WINDOW_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if most < 1 or not 1 <= window_seconds <= LONGEST_WINDOW_SECONDS:
            raise ValueError("a window limit needs room for one and at most an hour's window")
        self._writes = writes
        # Its own key: a row's bucket is not a conversation key of bot.state, nor a token.
        message = f"rate-window\x1f{WEBCHAT_TURNS}".encode()
        self._key = hmac.new(secret, message, hashlib.sha256).digest()
        self._most, self._seconds, self._clock = most, window_seconds, clock
        self._statement = _count_statement(writes.sqlite)

    def bucket(self, token: str) -> str:
        """The keyed hash a token is counted under."""
        return hmac.new(self._key, token.encode(), hashlib.sha256).hexdigest()

    async def allow(self, token: str) -> bool:
        """Count one turn for ``token``; False when its window is full (nothing counted).

        :class:`~bot.errors.ServerBusy` when the database cannot tell.
        """
        values = {
            "bucket": self.bucket(token),
            "now": int(self._clock()),
            "seconds": self._seconds,
            "most": self._most,
        }
        return await self._writes.returning(self._statement, values) is not None


def _count_statement(sqlite: bool) -> Executable:
    """Built once with bind parameters, so SQLAlchemy compiles it once per dialect."""
    insert: Any = sqlite_insert if sqlite else postgresql_insert
    now = bindparam("now", type_=BigInteger)
    statement = insert(RateWindowRow).values(bucket=bindparam("bucket"), window=now, count=1)
    # All of SET and WHERE see the row as it was before this statement (SQL's rule).
    ended = statement.excluded.window - RateWindowRow.window >= bindparam("seconds")
    result: Executable = statement.on_conflict_do_update(
        index_elements=[RateWindowRow.bucket],
        set_={
            "window": case((ended, statement.excluded.window), else_=RateWindowRow.window),
            "count": case((ended, 1), else_=RateWindowRow.count + 1),
        },
        where=or_(ended, RateWindowRow.count < bindparam("most")),
    ).returning(RateWindowRow.count)
    return result


async def purge_stale_windows(
    engine: AsyncEngine,
    now: float,
    *,
    older_than: int = LONGEST_WINDOW_SECONDS,
    batch: int = PURGE_BATCH,
    batches: int = PURGE_BATCHES,
) -> int:
    """Delete windows that began ``older_than`` seconds ago or earlier (so have ended, for
    windows no longer than that): ``batch`` rows per short transaction, at most ``batches``
    of them per call (the caller comes back for the rest)."""
    cutoff = int(now) - older_than
    stale = RateWindowRow.window < cutoff
    oldest = select(RateWindowRow.bucket).where(stale).limit(batch)
    # ``stale`` again outside: a row counted anew meanwhile is rechecked and kept.
    statement = delete(RateWindowRow).where(RateWindowRow.bucket.in_(oldest), stale)
    deleted = 0
    try:
        for _ in range(batches):
            async with engine.begin() as connection:
                gone = int((await connection.execute(statement)).rowcount or 0)
            deleted += gone
            if gone < batch:
                break
    except SQLAlchemyError as exc:
        raise StorageError("cannot purge rate-limit windows") from exc
    return deleted
