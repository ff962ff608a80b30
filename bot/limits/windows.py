"""Fixed windows shared by every replica: at most ``most`` of a thing per window, exactly.

A window begins with the first count after the previous one ended and lasts
``window_seconds``. Counting is one ``INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING``:
SQLite (≥ 3.35) and PostgreSQL both run it as one atomic statement, so two requests at
once cannot both take the last place, and a client alternating between replicas gets the
allowance once. A refused count changes nothing (the ``WHERE`` fails), so hammering a full
window adds no writes.

A replica also remembers, for a bounded number of conversations, that a window is full and
until when (:data:`FULL_KEPT` keyed hashes with the second their window ends, nothing else):
it learns this from the count that took the last place, or from one read after a refusal.
Until then a turn of that conversation is refused here without a statement, so a flood of
turns over the limit costs the database nothing and takes no place in the pool that other
people's turns wait for. The memo refuses exactly what the database would refuse, as long
as the replicas' clocks agree; one that runs ahead of another replica's can refuse for as
long as they differ.

Each replica's wall clock starts windows; a window never moves back, so a replica whose
clock lags only makes a window last longer (keep clocks in sync, as for outbox leases).
"""

from __future__ import annotations

import contextlib
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

from bot.errors import ServerBusy, StorageError
from bot.limits.models import RateWindowRow
from bot.limits.writes import LimitWrites

WEBCHAT_TURNS = "webchat-turns"
TURNS_PER_WINDOW = 30
TURN_WINDOW_SECONDS = 60
# No window in the table lasts longer; older rows are only ever stale.
LONGEST_WINDOW_SECONDS = 60 * 60
PURGE_BATCH = 1_000
PURGE_BATCHES = 100
# Conversations remembered as full per replica: a keyed hash and a second each, about
# 2 MB at most; the oldest is forgotten first (it then costs one statement).
FULL_KEPT = 10_000


class SharedTurnLimit:
    """At most ``most`` turns per web chat token in each window, across all replicas."""

    __slots__ = (
        "_clock",
        "_full",
        "_key",
        "_most",
        "_seconds",
        "_statement",
        "_window_statement",
        "_writes",
    )

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
        self._window_statement = select(RateWindowRow.window, RateWindowRow.count).where(
            RateWindowRow.bucket == bindparam("bucket")
        )
        # Keyed hash -> the second its full window ends, oldest first.
        self._full: dict[str, int] = {}

    def bucket(self, token: str) -> str:
        """The keyed hash a token is counted under."""
        return hmac.new(self._key, token.encode(), hashlib.sha256).hexdigest()

    async def allow(self, token: str) -> bool:
        """Count one turn for ``token``; False when its window is full (nothing counted).

        :class:`~bot.errors.ServerBusy` when the database cannot tell.
        """
        bucket = self.bucket(token)
        now = int(self._clock())
        full_until = self._full.get(bucket)
        if full_until is not None:
            if now < full_until:
                return False
            del self._full[bucket]
        values = {"bucket": bucket, "now": now, "seconds": self._seconds, "most": self._most}
        counted = await self._writes.returning(self._statement, values)
        if counted is None:
            # Full, and not by this replica's own count (or it was forgotten): when does
            # the window end? One read, then no statement until then.
            with contextlib.suppress(ServerBusy):  # refused either way; the memo can wait
                found = await self._writes.read(self._window_statement, {"bucket": bucket})
                # Between the count and the read the window may have ended and another
                # replica begun the next one: only a full window is remembered.
                if found is not None and found[1] >= self._most:
                    self._remember(bucket, int(found[0]) + self._seconds, now)
            return False
        count, window = counted
        if count >= self._most:  # this turn took the last place
            self._remember(bucket, int(window) + self._seconds, now)
        return True

    def _remember(self, bucket: str, until: int, now: int) -> None:
        if until <= now:
            return
        if len(self._full) >= FULL_KEPT:
            del self._full[next(iter(self._full))]
        self._full[bucket] = until


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
    ).returning(RateWindowRow.count, RateWindowRow.window)
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
