"""A token bucket every replica draws from: the deployment admits the rate, not N times it.

Taking a token is one ``INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING``: the bucket is
refilled for the time since it last changed, capped at the burst, and one token is spent
only if there is one. PostgreSQL locks the row for the statement and SQLite has one writer,
so N takes at once on K tokens give exactly K successes. A refusal changes nothing (the
``WHERE`` fails), so a flood of refused takes adds no writes.

Each replica's wall clock measures the refill; ``updated`` never moves back, so a replica
whose clock lags refills nothing until it catches up (keep clocks in sync, as for leases).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Double, bindparam, func
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.expression import Executable

from bot.limits.models import RateBucketRow
from bot.limits.writes import LimitWrites

NEW_CONVERSATIONS = "new-conversations"
NEW_SIGNALS = "new-signals"


class SharedBucket:
    """``rate_per_minute`` tokens flow into the bucket ``name``; at most ``burst`` saved up."""

    __slots__ = ("_clock", "_statement", "_values", "_writes", "per_second")

    def __init__(
        self,
        writes: LimitWrites,
        name: str,
        rate_per_minute: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if rate_per_minute <= 0 or burst < 1:
            raise ValueError("a token bucket needs a positive rate and a burst of at least 1")
        self._writes = writes
        self._clock = clock
        self.per_second = rate_per_minute / 60.0
        self._values = {"name": name, "burst": float(burst), "per_second": self.per_second}
        self._statement = _take_statement(writes.sqlite)

    async def take(self) -> bool:
        """Spend one token if there is one; False means "busy, try again shortly".

        :class:`~bot.errors.ServerBusy` when the database cannot tell.
        """
        values = {**self._values, "now": self._clock()}
        return await self._writes.returning(self._statement, values) is not None

    def seconds_until_next(self) -> float:
        """At most this long until a refused take could succeed: one token's refill time.

        (The refusal changed nothing and returned nothing, so the exact level is unknown
        here; a ``Retry-After`` that is an upper bound never sends a client back too soon.)
        """
        return 1.0 / self.per_second


def _take_statement(sqlite: bool) -> Executable:
    """Built once with bind parameters, so SQLAlchemy compiles it once per dialect."""
    insert: Any = sqlite_insert if sqlite else postgresql_insert
    # SQLite's two-argument min()/max() are PostgreSQL's LEAST()/GREATEST().
    least, greatest = (func.min, func.max) if sqlite else (func.least, func.greatest)
    burst = bindparam("burst", type_=Double)
    now = bindparam("now", type_=Double)
    statement = insert(RateBucketRow).values(name=bindparam("name"), level=burst - 1, updated=now)
    # All of SET and WHERE see the row as it was before this statement (SQL's rule).
    elapsed = greatest(0.0, statement.excluded.updated - RateBucketRow.updated)
    per_second = bindparam("per_second", type_=Double)
    level = least(burst, RateBucketRow.level + elapsed * per_second)
    result: Executable = statement.on_conflict_do_update(
        index_elements=[RateBucketRow.name],
        set_={
            "level": level - 1,
            "updated": greatest(RateBucketRow.updated, statement.excluded.updated),
        },
        where=level >= 1,
    ).returning(RateBucketRow.level)
    return result
