"""The KDF pool: a few runs at once, a fair queue with a deadline, then "busy"."""

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


async def test_a_full_queue_makes_room_for_a_better_ranked_run() -> None:
    """Many runs from one source cannot refuse a single run from another."""
    pool, gate = KdfPool(workers=1, queue=2), Gate()
    holder = asyncio.create_task(pool.run(gate.work, 0, rank=9))
    await entered(gate, 1)
    flood = [asyncio.create_task(pool.run(gate.work, n, rank=9)) for n in (1, 2)]
    await asyncio.sleep(0)
    with pytest.raises(ServerBusy):
        await pool.run(gate.work, 3, rank=9)  # no better than any waiter: refused
    single = asyncio.create_task(pool.run(gate.work, 4, rank=1))
    await asyncio.sleep(0)
    gate.open.set()
    outcomes = await asyncio.gather(holder, *flood, single, return_exceptions=True)
    assert outcomes[0] == 0 and outcomes[3] == 8
    assert outcomes[1] == 2, "the first to wait at its rank keeps its place"
    assert isinstance(outcomes[2], ServerBusy), "the last and worst waiter made room"
    assert pool.admitted == 0
    pool.close()


async def test_the_best_ranked_waiter_runs_first() -> None:
    pool, gate = KdfPool(workers=1, queue=3), Gate()
    order: list[int] = []

    def note(value: int) -> int:
        order.append(value)
        return value

    holder = asyncio.create_task(pool.run(gate.work, 0))
    await entered(gate, 1)
    waiting = [asyncio.create_task(pool.run(note, n, rank=n)) for n in (5, 3, 4)]
    await asyncio.sleep(0)
    gate.open.set()
    await asyncio.gather(holder, *waiting)
    assert order == [3, 4, 5]
    pool.close()


async def test_a_waiter_gives_up_after_its_deadline_and_leaves_no_trace() -> None:
    pool, gate = KdfPool(workers=1, queue=4, wait_seconds=0.05), Gate()
    holder = asyncio.create_task(pool.run(gate.work, 0))
    await entered(gate, 1)
    with pytest.raises(ServerBusy):
        await pool.run(gate.work, 1)
    assert pool.admitted == 1
    gate.open.set()
    await holder
    assert pool.admitted == 0
    assert await pool.run(len, "four") == 4
    pool.close()


async def test_a_cancelled_waiter_frees_its_place() -> None:
    pool, gate = KdfPool(workers=1, queue=1), Gate()
    holder = asyncio.create_task(pool.run(gate.work, 0))
    await entered(gate, 1)
    waiter = asyncio.create_task(pool.run(gate.work, 1))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert pool.admitted == 1
    gate.open.set()
    await holder
    assert pool.admitted == 0
    pool.close()
