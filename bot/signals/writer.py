"""One writer at a time on an embedded SQLite database, queued in this process.

SQLite has a single write lock. Writers that collide fall back on its busy handler, which
sleeps 1, 2, 5 … 100 ms between tries and gives up after the busy timeout: under a flood
of receipt look-ups (each counted in one short write) that turned into seconds per turn
and "database is locked" errors. Queueing here first costs nothing when there is no
contention and keeps writers in order when there is. Writes of someone who has already
proven their receipt (``urgent``) go before the counting writes of look-ups not yet
evaluated, so a flood of wrong receipts queues behind a reporter, not in front of them.
PostgreSQL has row locks and needs no queue. (``bot.state`` queues conversation writes.)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class SignalWriter:
    """``async with writer.turn():`` around every write transaction on the signal tables."""

    __slots__ = ("_busy", "_queues", "_sqlite")

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        bind = sessions.kw.get("bind")
        self._sqlite = bind is not None and bind.dialect.name == "sqlite"
        self._busy = False
        # [urgent, ordinary]: waiters are handed the turn in this order, each queue FIFO.
        self._queues: tuple[deque[asyncio.Future[None]], ...] = (deque(), deque())

    @contextlib.asynccontextmanager
    async def turn(self, *, urgent: bool = False) -> AsyncIterator[None]:
        if not self._sqlite:
            yield
            return
        await self._acquire(urgent)
        try:
            yield
        finally:
            self._hand_over()

    async def _acquire(self, urgent: bool) -> None:
        if not self._busy:
            self._busy = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._queues[0 if urgent else 1]
        queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._hand_over()  # the turn had just been given to us: pass it on
            else:
                with contextlib.suppress(ValueError):  # already dropped by _hand_over
                    queue.remove(waiter)
            raise

    def _hand_over(self) -> None:
        for queue in self._queues:
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # stays busy: the turn goes to this waiter
                    return
        self._busy = False
