"""Turns per channel in order, channels side by side, bounded; one failure stays its own."""

from __future__ import annotations

import asyncio
import logging

import pytest

from adapters.mattermost.turns import ChannelTurns


async def test_one_channel_is_answered_in_order_while_another_goes_ahead() -> None:
    turns = ChannelTurns()
    first_may_finish = asyncio.Event()
    done: list[str] = []

    async def slow_first() -> None:
        await first_may_finish.wait()
        done.append("a1")

    async def record(name: str) -> None:
        done.append(name)

    await turns.submit("a", slow_first)
    await turns.submit("a", lambda: record("a2"))
    await turns.submit("b", lambda: record("b1"))
    while "b1" not in done:
        await asyncio.sleep(0)
    assert done == ["b1"]  # a2 waits for a1; b did not wait for a
    first_may_finish.set()
    await turns.wait_idle()
    assert done == ["b1", "a1", "a2"]


async def test_no_more_than_the_bound_run_at_once() -> None:
    turns = ChannelTurns(at_once=2)
    running, most = 0, 0
    release = asyncio.Event()

    async def work() -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await release.wait()
        running -= 1

    for channel in "abcde":
        await turns.submit(channel, work)
    for _ in range(20):
        await asyncio.sleep(0)
    assert running == 2
    release.set()
    await turns.wait_idle()
    assert most == 2


async def test_a_full_queue_holds_the_sender_instead_of_dropping() -> None:
    turns = ChannelTurns(waiting=2)
    release = asyncio.Event()

    async def work() -> None:
        await release.wait()

    await turns.submit("a", work)
    await turns.submit("b", work)
    third = asyncio.create_task(turns.submit("c", work))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not third.done() and turns.pending == 2
    release.set()
    await third
    await turns.wait_idle()
    assert turns.pending == 0


async def test_a_failed_turn_is_logged_by_type_and_the_next_one_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    turns = ChannelTurns()
    done: list[str] = []

    async def fails() -> None:
        raise RuntimeError("secret text of user 4f1a")

    async def record() -> None:
        done.append("next")

    with caplog.at_level(logging.ERROR):
        await turns.submit("a", fails)
        await turns.submit("a", record)
        await turns.wait_idle()
    assert done == ["next"]
    assert "RuntimeError" in caplog.text and "4f1a" not in caplog.text


async def test_close_cancels_what_does_not_finish_in_the_grace_period() -> None:
    turns = ChannelTurns(grace_seconds=0.01)
    never = asyncio.Event()
    await turns.submit("a", never.wait)
    await turns.close()
    assert turns.pending == 0
