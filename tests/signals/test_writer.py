"""The in-process queue of SQLite writers: one at a time, receipt-proven writes first."""

from __future__ import annotations

import asyncio

from bot.app import Services
from bot.signals.writer import SignalWriter


async def test_one_writer_at_a_time_and_urgent_ones_first(services: Services) -> None:
    writer = SignalWriter(services.sessions)
    order: list[str] = []
    inside = 0
    release = asyncio.Event()

    async def write(name: str, urgent: bool = False) -> None:
        nonlocal inside
        async with writer.turn(urgent=urgent):
            inside += 1
            assert inside == 1, "two writers at once"
            order.append(name)
            if name == "first":
                await release.wait()
            await asyncio.sleep(0)
            inside -= 1

    first = asyncio.create_task(write("first"))
    await asyncio.sleep(0)  # first holds the turn
    waiting = [asyncio.create_task(write(f"ordinary-{n}")) for n in range(3)]
    urgent = asyncio.create_task(write("urgent", urgent=True))
    await asyncio.sleep(0)  # everyone is queued
    release.set()
    await asyncio.gather(first, *waiting, urgent)
    assert order == ["first", "urgent", "ordinary-0", "ordinary-1", "ordinary-2"]


async def test_a_cancelled_waiter_passes_its_turn_on(services: Services) -> None:
    writer = SignalWriter(services.sessions)
    release = asyncio.Event()
    done: list[str] = []

    async def hold() -> None:
        async with writer.turn():
            await release.wait()

    async def write(name: str) -> None:
        async with writer.turn():
            done.append(name)

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    gone, after = asyncio.create_task(write("gone")), asyncio.create_task(write("after"))
    await asyncio.sleep(0)
    gone.cancel()
    release.set()
    await asyncio.gather(holder, after)
    assert gone.cancelled() and done == ["after"]
    async with writer.turn():
        done.append("free again")
    assert done == ["after", "free again"]
