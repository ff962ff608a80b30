"""A digest planner in a process of its own, for the race test: ``python -m
tests.outbox.planner_process DATABASE_URL NOW_ISO``. It says "ready", waits for a line on
stdin (so both processes tick together), ticks once and prints how many digests it started.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime

from bot.db import create_engine, session_factory
from bot.outbox.digest import DigestPlanner
from bot.outbox.port import LOG
from bot.outbox.schedule import NoticeSchedule
from bot.settings import Settings
from bot.signals.registry import Adviser


def log_only(adviser: Adviser) -> tuple[str, ...]:
    return (LOG,)


async def main(url: str, now: datetime) -> int:
    engine = create_engine(url)
    try:
        planner = DigestPlanner(
            session_factory(engine), NoticeSchedule.of(Settings(database_url=url)), log_only
        )
        async with engine.connect():  # connected before the start, so both start together
            print("ready", flush=True)
            await asyncio.to_thread(sys.stdin.readline)
            return await planner.tick(now)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    print(asyncio.run(main(sys.argv[1], datetime.fromisoformat(sys.argv[2]))), flush=True)
