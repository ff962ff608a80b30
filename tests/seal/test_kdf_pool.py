"""The KDF pool: a few runs at once, a short queue, then "busy" at once."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.errors import ServerBusy
from bot.seal.kdf import TESTING, derive_argon2id
from bot.seal.kdf_pool import KdfPool


class Gate:
    """Work that blocks on a thread until the test opens the gate; counts who is inside."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.lock = threading.Lock()
        self.inside = 0
        self.most = 0
        self.entered = threading.Semaphore(0)

    def work(self, value: int) -> int:
        with self.lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        self.entered.release()
        self.open.wait()
        with self.lock:
            self.inside -= 1
        return value * 2


async def entered(gate: Gate, count: int) -> None:
    for _ in range(count):
        await asyncio.to_thread(gate.entered.acquire)


async def test_it_runs_the_work_and_returns_its_result() -> None:
    pool = KdfPool(workers=2, queue=2)
    key = await pool.run(lambda: derive_argon2id(b"receipt", salt=b"s" * 16, params=TESTING))
    assert key == derive_argon2id(b"receipt", salt=b"s" * 16, params=TESTING)
    assert pool.admitted == 0
    pool.close()


async def test_no_more_than_the_workers_run_at_once_and_a_full_queue_is_busy() -> None:
    pool, gate = KdfPool(workers=2, queue=1), Gate()
    running = [asyncio.create_task(pool.run(gate.work, n)) for n in range(3)]
    await entered(gate, 2)
    assert pool.admitted == 3  # two running, one waiting
    with pytest.raises(ServerBusy):
        await pool.run(gate.work, 99)
    gate.open.set()
    assert await asyncio.gather(*running) == [0, 2, 4]
    assert gate.most == 2
    assert pool.admitted == 0
    assert await pool.run(gate.work, 5) == 10, "room again once the queue drained"
    pool.close()


async def test_a_failing_run_frees_its_place() -> None:
    pool = KdfPool(workers=1, queue=0)

    def broken() -> int:
        raise ValueError("inside the pool")

    with pytest.raises(ValueError, match="inside the pool"):
        await pool.run(broken)
    assert pool.admitted == 0
    assert await pool.run(len, "four") == 4
    pool.close()


def test_a_pool_needs_a_worker() -> None:
    with pytest.raises(ValueError):
        KdfPool(workers=0, queue=1)
