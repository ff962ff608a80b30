"""One housekeeping step that fails does not keep the others from running."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from bot.app import Services, _housekeeping
from bot.stopping import Stopping


async def attempts(services: Services) -> int:
    async with services.engine.connect() as db:
        return int(await db.scalar(text("SELECT count(*) FROM receipt_attempts")) or 0)


async def test_a_failing_conversation_purge_does_not_stop_the_other_purges(
    services: Services,
) -> None:
    async with services.engine.begin() as db:
        await db.execute(
            text("INSERT INTO receipt_attempts (bucket, window, count) VALUES ('old', 0, 3)")
        )
        await db.execute(text("DROP TABLE conversations"))  # the first step now fails
    assert await attempts(services) == 1
    stopping = Stopping()
    loop = asyncio.create_task(_housekeeping(services, stopping))
    try:
        for _ in range(300):  # one round; it waits ten minutes before the next
            if await attempts(services) == 0:
                break
            await asyncio.sleep(0.1)
    finally:
        stopping.request()
        await loop
    assert await attempts(services) == 0, "the receipt counters were purged all the same"
