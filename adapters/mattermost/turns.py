"""Turns run per channel in order, channels side by side, a bounded number at once.

A person who sends two messages quickly must get the answers in order (the second may
depend on the first's state), while one slow turn must not hold up everyone else. Waiting
turns are bounded too: when that many are queued, :meth:`ChannelTurns.submit` waits, which
holds the websocket's handler and so its bounded queue (backpressure). One channel may hold
only a share of the waiting places: otherwise one person sending thousands of messages would
fill them all and every other person's message would wait behind theirs. What a channel sends
beyond its share is skipped (nobody can read that many answers; the count is logged).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

TURNS_AT_ONCE = 4
TURNS_WAITING = 256
# Far more than a person types before the first answer comes, far fewer than TURNS_WAITING.
TURNS_PER_CHANNEL = 16
CLOSE_GRACE_SECONDS = 10.0


class ChannelTurns:
    def __init__(
        self,
        *,
        at_once: int = TURNS_AT_ONCE,
        waiting: int = TURNS_WAITING,
        per_channel: int = TURNS_PER_CHANNEL,
        grace_seconds: float = CLOSE_GRACE_SECONDS,
    ) -> None:
        self._running = asyncio.Semaphore(at_once)
        self._room = asyncio.Semaphore(waiting)
        self._grace = grace_seconds
        self._per_channel = per_channel
        self._queued: dict[str, int] = {}
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def submit(self, key: str, work: Callable[[], Awaitable[object]]) -> bool:
        """Run ``work`` after every earlier one of ``key``; waits while too many are queued.

        False (and ``work`` never runs) when ``key`` already has its share waiting.
        """
        if self._queued.get(key, 0) >= self._per_channel:
            log.warning("mattermost message skipped: too many waiting in one channel")
            return False
        self._queued[key] = self._queued.get(key, 0) + 1
        try:
            await self._room.acquire()
        except BaseException:
            self._unqueue(key)
            raise
        task = asyncio.create_task(self._run(self._tails.get(key), work))
        self._tails[key] = task
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._forget(key, done))
        return True

    async def wait_idle(self) -> None:
        """Until every submitted turn has finished (tests, and a graceful stop)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def close(self) -> None:
        """Let running turns finish for a grace period, then cancel what is left."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self._grace)
        for task in set(self._tasks):
            task.cancel()
        for task in set(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(
        self, previous: asyncio.Task[None] | None, work: Callable[[], Awaitable[object]]
    ) -> None:
        try:
            if previous is not None:
                # wait, not await: the earlier turn's failure is its own, not this one's.
                await asyncio.wait({previous})
            async with self._running:
                await work()
        except Exception as exc:  # one failed turn never stops the listener
            log.error("mattermost turn failed: %s", type(exc).__name__)
        finally:
            self._room.release()

    def _unqueue(self, key: str) -> None:
        left = self._queued.get(key, 0) - 1
        if left > 0:
            self._queued[key] = left
        else:
            self._queued.pop(key, None)

    def _forget(self, key: str, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._unqueue(key)
        if self._tails.get(key) is task:
            del self._tails[key]
