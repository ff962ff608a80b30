"""What a scrape reads when it happens: the outbox backlog, dead notices, channel health.

The outbox numbers are two COUNTs over a ``LIMIT`` subquery, so a scrape costs at most
:data:`COUNT_CAP` index entries per number however large the table grew, and the whole read
is bounded by :data:`READ_SECONDS`. A database that is down or slow takes neither the
scrape nor the bot with it: ``meldwijzer_database_up`` is 0 and the outbox numbers are left
out (not zero, which would read as "all sent"), the rest is answered as usual.

Decision: the backlog counts notices that are *due* (their notice time has come) and not yet
sent, not every pending one. A notice row is written in the same transaction as the signal
it tells of (``bot.outbox.models``); a count of all pending rows would rise at the moment
someone left a signal. A due count moves only at the fixed notice times and after a failed
attempt, neither of which says when a reporter acted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import MeldwijzerError
from bot.outbox.models import DEAD, PENDING, SENDING, DeliveryRow

log = logging.getLogger("meldwijzer.metrics")

COUNT_CAP = 10_000  # a count at the cap reads "at least this many"
READ_SECONDS = 2.0

# Per channel: True up, False down, None not known by this process (then no sample).
ChannelHealth = Callable[[], bool | None]


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    due: int
    dead: int


async def read_outbox(
    sessions: async_sessionmaker[AsyncSession], now: datetime, *, cap: int = COUNT_CAP
) -> OutboxCounts:
    """Due-and-unsent and dead notices, each counted up to ``cap``."""
    due = or_(
        and_(DeliveryRow.status == PENDING, DeliveryRow.next_attempt_at <= now),
        DeliveryRow.status == SENDING,
    )
    async with sessions() as db:
        return OutboxCounts(
            await _bounded_count(db, due, cap),
            await _bounded_count(db, DeliveryRow.status == DEAD, cap),
        )


async def _bounded_count(db: AsyncSession, where: object, cap: int) -> int:
    rows = select(DeliveryRow.id).where(where).limit(cap).subquery()  # type: ignore[arg-type]
    return int(await db.scalar(select(func.count()).select_from(rows)) or 0)


class OutboxReader:
    """:func:`read_outbox` under a deadline; None when the database does not answer.

    The read runs as a task of its own that the scrape waits for at most ``seconds``: a
    driver may take far longer than that to give up on a silent server once cancelled
    (psycopg first tries to cancel the query, through the same silent network), and the
    scrape must not wait for it. While a read given up on still hangs, no new one starts,
    so a silent database does not collect one stuck connection per scrape.

    One warning when the database stops answering and one when it answers again, not one
    per scrape; only the kind of error, never its text (which may name the server).
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], seconds: float = READ_SECONDS
    ) -> None:
        self._sessions = sessions
        self._seconds = seconds
        self._failing = False
        self._reading: asyncio.Task[OutboxCounts] | None = None

    async def read(self, now: datetime) -> OutboxCounts | None:
        if self._reading is not None and not self._reading.done():
            self._failed("TimeoutError")
            return None
        reading = asyncio.create_task(read_outbox(self._sessions, now))
        reading.add_done_callback(_retrieved)
        self._reading = reading
        done, _ = await asyncio.wait({reading}, timeout=self._seconds)
        if not done:
            reading.cancel()
            self._failed("TimeoutError")
            return None
        problem = reading.exception()
        if isinstance(problem, SQLAlchemyError | MeldwijzerError | OSError):
            self._failed(type(problem).__name__)
            return None
        counts = reading.result()  # raises what nobody expected, for the error boundary
        if self._failing:
            log.info("metrics: the outbox is readable again")
        self._failing = False
        return counts

    async def close(self) -> None:
        """Stop a read that still hangs (at shutdown, before the engine is disposed)."""
        if self._reading is not None and not self._reading.done():
            self._reading.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reading

    def _failed(self, kind: str) -> None:
        if not self._failing:
            log.warning("metrics: the outbox is not readable: %s", kind)
        self._failing = True


def _retrieved(task: asyncio.Task[OutboxCounts]) -> None:
    """Mark a failure of a read given up on as seen, so asyncio does not log it."""
    if not task.cancelled():
        task.exception()


class ScrapeTimeCollector(Collector):
    """The numbers of one scrape, as gauges; a fresh one per scrape, so scrapes never mix."""

    def __init__(self, outbox: OutboxCounts | None, health: Mapping[str, ChannelHealth]) -> None:
        self._outbox = outbox
        self._health = health

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(
            "meldwijzer_database_up",
            "1 if the database answered this scrape's outbox query in time.",
            value=0 if self._outbox is None else 1,
        )
        if self._outbox is not None:
            yield GaugeMetricFamily(
                "meldwijzer_outbox_due",
                f"Notices due and not yet sent (counted up to {COUNT_CAP}).",
                value=self._outbox.due,
            )
            yield GaugeMetricFamily(
                "meldwijzer_outbox_dead",
                f"Notices given up on after their last attempt (counted up to {COUNT_CAP}).",
                value=self._outbox.dead,
            )
        enabled = GaugeMetricFamily(
            "meldwijzer_channel_enabled",
            "1 for each channel this deployment has on.",
            labels=["channel"],
        )
        up = GaugeMetricFamily(
            "meldwijzer_channel_up",
            "1 up, 0 down, per channel whose state this process knows (no sample otherwise).",
            labels=["channel"],
        )
        for channel, check in sorted(self._health.items()):
            enabled.add_metric([channel], 1)
            state = check()
            if state is not None:
                up.add_metric([channel], 1 if state else 0)
        yield enabled
        yield up


def scrape_registry(
    outbox: OutboxCounts | None, health: Mapping[str, ChannelHealth]
) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ScrapeTimeCollector(outbox, health))
    return registry
