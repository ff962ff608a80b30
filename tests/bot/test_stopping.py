"""Background loops finish the round they are in before the server stops."""

from __future__ import annotations

import asyncio

from bot.stopping import Stopping, looping


async def test_a_round_in_progress_is_finished_not_cancelled() -> None:
    stopping = Stopping()
    rounds: list[str] = []
    started = asyncio.Event()

    async def loop() -> None:
        while not stopping.requested:
            started.set()
            rounds.append("begun")
            await asyncio.sleep(0.05)  # a database call in flight
            rounds.append("finished")
            await stopping.pause(3600)

    async with looping(loop(), stopping=stopping):
        await started.wait()
    assert rounds == ["begun", "finished"]


async def test_a_loop_that_does_not_stop_is_cancelled_after_the_grace() -> None:
    stopping = Stopping()
    cancelled = asyncio.Event()

    async def stubborn() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async with looping(stubborn(), stopping=stopping, grace=0.01):
        await asyncio.sleep(0)
    assert cancelled.is_set()


async def test_pause_ends_early_when_a_stop_is_requested() -> None:
    stopping = Stopping()
    asyncio.get_running_loop().call_later(0.01, stopping.request)
    assert await stopping.pause(3600) is True
    assert await Stopping().pause(0) is False
