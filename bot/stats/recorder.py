"""Counts kept in memory and written now and then: the moment a counter moves in the database
must not mark the moment someone spoke up.

``add`` is synchronous and cannot fail: it only raises a number in a per-process Counter
keyed (year, quarter, measure, category), the quarter taken from the clock in the
organisation's time zone. ``flush`` writes everything pending in one transaction of its own
(``store.add_counts``); when that fails the counts stay pending for the next try. Nothing
here logs a count: a log line would carry the moment, and often the topic, of one person.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import StorageError
from bot.settings import Settings
from bot.stats.categories import MEASURES, UNIT_GROUPS
from bot.stats.store import add_counts
from bot.stopping import Stopping

log = logging.getLogger("meldwijzer.stats")
GROUP_NAME_CHARS = 64  # stats_counts.category
PRODUCTION_FLUSH_MINUTES = 24 * 60


def flush_minutes(settings: Settings) -> int:
    """``stats_flush_minutes``, or its default: every turn in development, daily in production."""
    if settings.stats_flush_minutes is not None:
        return settings.stats_flush_minutes
    return PRODUCTION_FLUSH_MINUTES if settings.production else 0


def quarter_of(moment: datetime, zone: ZoneInfo) -> tuple[int, int]:
    """The (year, quarter) ``moment`` falls in where the organisation is."""
    local = moment.astimezone(zone)
    return local.year, (local.month - 1) // 3 + 1


def countable(measure: str, category: str) -> bool:
    """Only the fixed categories (and configured unit groups): never an overlay topic."""
    if measure == UNIT_GROUPS:
        return 0 < len(category) <= GROUP_NAME_CHARS
    return category in MEASURES.get(measure, ())


class StatsRecorder:
    """The ``Tally`` of a serving or command-line process (one per process)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        organisation: str,
        zone: ZoneInfo,
        clock: Callable[[], datetime],
        flush_minutes: int,
    ) -> None:
        self._sessions = sessions
        self._organisation = organisation
        self._zone = zone
        self._clock = clock
        self._flush_minutes = flush_minutes
        self._pending: Counter[tuple[int, int, str, str]] = Counter()
        self._lock = asyncio.Lock()

    @property
    def flush_minutes(self) -> int:
        return self._flush_minutes

    @property
    def pending(self) -> int:
        """How many counts wait to be written (for tests and shutdown; never logged)."""
        return sum(self._pending.values())

    def add(self, measure: str, category: str) -> None:
        if not countable(measure, category):
            return
        year, quarter = quarter_of(self._clock(), self._zone)
        self._pending[(year, quarter, measure, category)] += 1

    async def flush(self) -> bool:
        """Write what is pending; False (and everything kept) when the database refused."""
        async with self._lock:
            taken, self._pending = self._pending, Counter()
            if not taken:
                return True
            try:
                await add_counts(self._sessions, self._organisation, taken)
            except (StorageError, SQLAlchemyError, OSError) as exc:
                self._pending.update(taken)
                log.warning("statistics flush failed: %s", _cause(exc))
                return False
            except BaseException:  # cancelled (a stop that ran out of grace): keep them too
                self._pending.update(taken)
                raise
            return True

    async def turn_ended(self) -> None:
        """With ``stats_flush_minutes = 0`` the counts of a turn are written at its end."""
        if self._flush_minutes == 0:
            await self.flush()

    async def run(self, stopping: Stopping) -> None:
        """Serve's background loop: a flush every ``flush_minutes``, and one when stopping."""
        # With 0 the turns flush themselves: this loop only waits for the stop.
        every = self._flush_minutes * 60 or 3600
        while not await stopping.pause(every):
            await self.flush()
        await self.flush()


def _cause(exc: BaseException) -> str:
    """The type of what went wrong underneath (never its message: it may quote values)."""
    while isinstance(exc, StorageError) and exc.__cause__ is not None:
        exc = exc.__cause__
    return type(exc).__name__
