"""One hostile person writing thousands of messages must not hold up everyone else.

The listener's waiting room is shared by every channel; when one channel could fill it, the
websocket's handler waits for that person's turns, one by one, before anyone else's message
is even read. Each channel gets a bounded share; what a channel sends beyond it is skipped.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from adapters.mattermost.turns import ChannelTurns

# A bound against a hang of the test itself, never a timing claim.
HANG_SECONDS = 10.0


async def test_a_flooding_channel_cannot_take_every_waiting_place() -> None:
    turns = ChannelTurns(at_once=2, waiting=8, per_channel=3)
    flood_may_finish = asyncio.Event()
    done: list[str] = []

    async def stuck() -> None:
        await flood_may_finish.wait()
        done.append("flood")

    async def other() -> None:
        done.append("other")

    async def flood_then_someone_else() -> None:
        for _ in range(100):
            await turns.submit("flooder", stuck)
        await turns.submit("someone-else", other)

    await asyncio.wait_for(flood_then_someone_else(), HANG_SECONDS)
    while "other" not in done:
        await asyncio.sleep(0)
    assert done == ["other"]
    flood_may_finish.set()
    await turns.wait_idle()
    assert done.count("flood") == 3  # the channel's share ran, in order; the rest was skipped


async def test_skipped_turns_are_counted_in_one_line_without_the_channel(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    turns = ChannelTurns(at_once=1, waiting=8, per_channel=1)
    release = asyncio.Event()
    channel = "x4ob8ymn1pgx7ju3o7e1wdsnhr"
    await turns.submit(channel, release.wait)
    assert await turns.submit(channel, release.wait) is False
    release.set()
    await turns.wait_idle()
    assert [r.getMessage() for r in caplog.records] == [
        "mattermost message skipped: too many waiting in one channel"
    ]
    assert channel not in caplog.text
