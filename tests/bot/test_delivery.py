"""The serving process's notice tasks keep going through a database they cannot reach.

A database that is down for a moment (a PostgreSQL restart, a locked SQLite file) must cost
a round of the worker or a tick of the digest planner, not the task: a task that died would
send no digest again until the process restarts, and say so only when it is stopped.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db import create_engine, session_factory
from bot.delivery import NoticeTasks
from bot.errors import StorageError
from bot.outbox.enqueue import Outbox
from bot.outbox.schedule import NoticeSchedule
from bot.settings import Settings
from bot.stopping import Stopping

MONDAY_NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # past the 08:00 digest in Amsterdam


def closed_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def unreachable(tmp_path: Path) -> NoticeTasks:
    """The notice tasks over a PostgreSQL server that refuses the connection (the driver
    runs in the loop: no thread of its own outlives the test)."""
    # Each loop logs its failure and then sleeps: a long poll keeps the worker asleep after
    # its first round, so no connection attempt is under way when the test stops the loops.
    settings = Settings(data_dir=tmp_path / "data", outbox_poll_seconds=3600)
    engine = create_engine(f"postgresql://meldwijzer@127.0.0.1:{closed_port()}/meldwijzer")
    outbox = Outbox(NoticeSchedule.of(settings), ())
    return NoticeTasks.build(settings, session_factory(engine), outbox, [])


async def test_the_planner_reports_an_unreachable_database_as_a_storage_error(
    tmp_path: Path,
) -> None:
    with pytest.raises(StorageError, match="digest"):
        await unreachable(tmp_path).planner.tick(MONDAY_NINE)


async def test_both_loops_outlive_a_failed_round(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tasks = unreachable(tmp_path)
    caplog.set_level(logging.WARNING)
    stopping = Stopping()
    loops = [
        asyncio.create_task(tasks.worker.run_forever(stopping)),
        asyncio.create_task(tasks.plan_forever(stopping, now=lambda: MONDAY_NINE)),
    ]
    while not all(
        any(text in record.getMessage() for record in caplog.records)
        for text in ("outbox round failed", "digest planning failed")
    ):
        assert not any(loop.done() for loop in loops), [loop.exception() for loop in loops]
        await asyncio.sleep(0.01)
    await asyncio.sleep(0)  # each loop, having logged, is now asleep till its next round
    assert not any(loop.done() for loop in loops)
    stopping.request()  # as the server does when it stops: both end after their round
    assert await asyncio.gather(*loops) == [None, None]


async def test_a_bug_in_a_round_does_not_end_the_worker(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    tasks = unreachable(tmp_path)
    rounds = 0

    async def broken(now: object = None) -> object:
        nonlocal rounds
        rounds += 1
        raise KeyError("canary-parameter")

    monkeypatch.setattr(tasks.worker, "run_once", broken)
    monkeypatch.setattr(tasks.worker, "_poll_seconds", 0.001)
    stopping = Stopping()
    loop = asyncio.create_task(tasks.worker.run_forever(stopping))
    while rounds < 3:
        assert not loop.done()
        await asyncio.sleep(0.01)
    stopping.request()
    await loop
    assert "outbox round failed unexpectedly: KeyError" in caplog.text
    assert "canary-parameter" not in caplog.text
