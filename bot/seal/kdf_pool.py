"""The one place every Argon2id run waits its turn: a few threads and a fair, bounded queue.

Argon2id costs tens of milliseconds and tens of MiB per run on purpose. Run unbounded (one
``asyncio.to_thread`` per request) a burst of receipts or unlocks takes every core and
every byte of memory and everyone's turn waits. Here at most ``workers`` runs go at once
(about one per core: cryptography's Argon2id releases the GIL, so threads do run in
parallel), so memory stays bounded at ``workers`` × the Argon2id memory cost; waiting costs
only a coroutine.

Who waits is chosen, not who came first: each run has a ``rank`` (lower goes first; the
follow-up uses how many runs its conversation asked for recently), and at most ``queue``
wait. A full queue refuses a newcomer only if every waiter ranks as well or better;
otherwise the worst waiter is the one told :class:`ServerBusy`. A waiter gives up with
:class:`ServerBusy` after ``wait_seconds``, which the conversation turns into "busy, try
again in a minute". So many concurrent runs from one source delay a single run from
another by at most the ``workers`` runs under way, never refuse it.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar, TypeVarTuple

from bot.errors import ServerBusy

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

WAIT_SECONDS = 5.0


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True, slots=True, order=True)
class _Waiter:
    rank: int
    arrival: int
    turn: asyncio.Future[None] = field(compare=False)


class KdfPool:
    """``await pool.run(fn, *args, rank=n)`` runs ``fn(*args)`` on a pool thread, or ServerBusy."""

    __slots__ = ("_arrivals", "_executor", "_queue", "_running", "_wait", "_waiting", "_workers")

    def __init__(self, workers: int, queue: int, wait_seconds: float = WAIT_SECONDS) -> None:
        if workers < 1 or queue < 0 or wait_seconds <= 0:
            raise ValueError("a KDF pool needs a worker, a queue of 0 or more and a wait")
        self._workers, self._queue, self._wait = workers, queue, wait_seconds
        self._running = 0
        self._waiting: list[_Waiter] = []  # sorted: the next to run first, the worst last
        self._arrivals = itertools.count()
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="kdf")

    def __repr__(self) -> str:
        return f"KdfPool(workers={self._workers}, queue={self._queue})"

    @property
    def admitted(self) -> int:
        """Runs going on or waiting right now."""
        return self._running + len(self._waiting)

    async def run(self, fn: Callable[[*Ts], T], *args: *Ts, rank: int = 0) -> T:
        await self._turn(rank)
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, lambda: fn(*args))
        finally:
            self._release()

    async def _turn(self, rank: int) -> None:
        # No await before the slot is taken or the waiter queued: no check-then-act race.
        if self._running < self._workers and not self._waiting:
            self._running += 1
            return
        waiter = _Waiter(rank, next(self._arrivals), asyncio.get_running_loop().create_future())
        if len(self._waiting) >= self._queue:
            if not self._waiting or self._waiting[-1] <= waiter:
                raise ServerBusy("every key derivation slot is taken")
            self._waiting.pop().turn.set_exception(ServerBusy("a better-ranked run came"))
        bisect.insort(self._waiting, waiter)
        try:
            async with asyncio.timeout(self._wait):
                await waiter.turn
        except TimeoutError:
            self._forget(waiter)
            raise ServerBusy("waited too long for a key derivation slot") from None
        except asyncio.CancelledError:
            self._forget(waiter)
            raise

    def _forget(self, waiter: _Waiter) -> None:
        """A waiter that stopped waiting: out of the queue, or its slot passed on."""
        if waiter in self._waiting:
            self._waiting.remove(waiter)
        elif waiter.turn.done() and not waiter.turn.cancelled() and not waiter.turn.exception():
            self._release()  # it was handed the slot just as it gave up

    def _release(self) -> None:
        while self._waiting:
            following = self._waiting.pop(0)
            if not following.turn.done():
                following.turn.set_result(None)  # the slot passes on; _running is unchanged
                return
        self._running -= 1

    def close(self) -> None:
        """Stop the threads once the runs under way are done (at shutdown)."""
        self._executor.shutdown(wait=True, cancel_futures=True)
