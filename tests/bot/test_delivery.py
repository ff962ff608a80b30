"""The serving process's notice tasks keep going through a database they cannot reach.

A database that is down for a moment (a PostgreSQL restart, a locked or missing SQLite
file) must cost a round of the worker or a tick of the digest planner, not the task: a
task that died would send no digest again until the process restarts, and say so only
when it is stopped.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db import create_engine, session_factory
from bot.delivery import NoticeTasks
from bot.errors import StorageError
from bot.outbox.enqueue import Outbox
from bot.outbox.schedule import NoticeSchedule
from bot.settings import Settings

MONDAY_NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # past the 08:00 digest in Amsterdam


def unreachable(tmp_path: Path) -> NoticeTasks:
    """The notice tasks over a database file in a folder that does not exist."""
    settings = Settings(data_dir=tmp_path / "data", outbox_poll_seconds=0.01)
    engine = create_engine(f"sqlite:///{tmp_path / 'missing' / 'meldwijzer.db'}")
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
    loops = [
        asyncio.create_task(tasks.worker.run_forever()),
        asyncio.create_task(tasks.plan_forever(now=lambda: MONDAY_NINE)),
    ]
    while not all(
        any(text in record.getMessage() for record in caplog.records)
        for text in ("outbox round failed", "digest planning failed")
    ):
        assert not any(loop.done() for loop in loops), [loop.exception() for loop in loops]
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # the worker's next rounds, the planner asleep till its next tick
    assert not any(loop.done() for loop in loops)
    for loop in loops:
        loop.cancel()
    results = await asyncio.gather(*loops, return_exceptions=True)
    assert all(isinstance(result, asyncio.CancelledError) for result in results)
