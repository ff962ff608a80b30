"""A database that fails under the digest planner (a restart, a full disk, a lock time-out)
is a StorageError like everywhere else, which the serving loop logs on one line and outlives;
anything else would end the planner's task and with it every digest until a restart."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import text

from bot import delivery
from bot.delivery import NoticeTasks
from bot.errors import StorageError
from bot.stopping import Stopping
from tests.outbox.desk_factories import local, planner
from tests.signals.conftest import Build, build_on  # noqa: F401

AT_DIGEST_HOUR = local(2026, 12, 1, 8, 0)


async def break_digest_runs(build: Build) -> object:
    services = await build(digest_time="08:00")
    async with services.sessions.begin() as db:
        await db.execute(text("DROP TABLE digest_runs"))
    return services


async def test_a_failing_database_is_a_storage_error(build_on: Build) -> None:  # noqa: F811
    services = await break_digest_runs(build_on)
    with pytest.raises(StorageError) as raised:
        await planner(services).tick(AT_DIGEST_HOUR)  # type: ignore[arg-type]
    assert "digest_runs" not in str(raised.value)  # no SQL in what gets logged


async def test_the_planner_loop_outlives_a_failing_database(
    build_on: Build,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    services = await break_digest_runs(build_on)
    monkeypatch.setattr(delivery, "PLANNER_EVERY_SECONDS", 0.01)
    tasks = NoticeTasks(worker=None, planner=planner(services))  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="meldwijzer.delivery"):
        stopping = Stopping()
        loop = asyncio.create_task(tasks.plan_forever(stopping, lambda: AT_DIGEST_HOUR))
        for _ in range(200):
            if caplog.text.count("digest planning failed") >= 2:
                break
            await asyncio.sleep(0.01)
        still_running = not loop.done()
        stopping.request()
        await loop
    assert still_running and caplog.text.count("digest planning failed") >= 2
    assert "SELECT" not in caplog.text and "digest_runs" not in caplog.text
