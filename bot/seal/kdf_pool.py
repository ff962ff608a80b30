"""The one place every Argon2id run waits its turn: a few threads and a short queue.

Argon2id costs tens of milliseconds and tens of MiB per run on purpose. Run unbounded (one
``asyncio.to_thread`` per request) a burst of receipts or unlocks takes every core and
every byte of memory and everyone's turn waits. Here at most ``workers`` runs go at once
(about one per core: cryptography's Argon2id releases the GIL, so threads do run in
parallel) and at most ``queue`` more wait; the next caller gets :class:`ServerBusy` at once,
which the conversation turns into "busy, try again in a minute". Memory stays bounded at
``workers`` × the Argon2id memory cost.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar, TypeVarTuple

from bot.errors import ServerBusy

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


class KdfPool:
    """``await pool.run(fn, *args)`` runs ``fn(*args)`` on a pool thread, or raises ServerBusy."""

    __slots__ = ("_admitted", "_executor", "_limit", "_slots", "_workers")

    def __init__(self, workers: int, queue: int) -> None:
        if workers < 1 or queue < 0:
            raise ValueError("a KDF pool needs at least one worker and a queue of 0 or more")
        self._workers = workers
        self._limit = workers + queue
        self._admitted = 0
        self._slots = asyncio.Semaphore(workers)
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="kdf")

    def __repr__(self) -> str:
        return f"KdfPool(workers={self._workers}, queue={self._limit - self._workers})"

    @property
    def admitted(self) -> int:
        """Runs going on or waiting right now."""
        return self._admitted

    async def run(self, fn: Callable[[*Ts], T], *args: *Ts) -> T:
        # Counted before any await, so the check and the increment cannot interleave.
        if self._admitted >= self._limit:
            raise ServerBusy("every key derivation slot is taken")
        self._admitted += 1
        try:
            async with self._slots:
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(self._executor, lambda: fn(*args))
        finally:
            self._admitted -= 1

    def close(self) -> None:
        """Stop the threads once the runs under way are done (at shutdown)."""
        self._executor.shutdown(wait=True, cancel_futures=True)
