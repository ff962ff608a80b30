"""Two replicas on one PostgreSQL share the outbox: 1,000 notices, each delivered once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.outbox.models import SENT, DeliveryRow
from tests.outbox.conftest import Database
from tests.outbox.fakes import ReceivingFake, queue
from tests.outbox.worker_process import spawn

NOTICES = 1000


async def sent_by(process: asyncio.subprocess.Process) -> int:
    out, _ = await process.communicate()
    assert process.returncode == 0
    return int(out.decode().split()[-1])


@pytest.mark.postgres
async def test_two_worker_processes_deliver_each_notice_exactly_once(
    postgres: Database, receiver: ReceivingFake
) -> None:
    database = postgres
    for _ in range(NOTICES // 100):
        await queue(database.sessions, 100, datetime.now(UTC) - timedelta(minutes=1))
    workers = [await spawn(database.url, receiver.url) for _ in range(2)]
    for process in workers:  # both start together
        assert process.stdin is not None
        process.stdin.write(b"go\n")
        await process.stdin.drain()
    async with asyncio.timeout(300):
        counts = [await sent_by(process) for process in workers]
    async with database.sessions() as db:
        keys = list(await db.scalars(select(DeliveryRow.idempotency_key)))
        sent = await db.scalar(select(func.count()).where(DeliveryRow.status == SENT))
    assert len(keys) == NOTICES and sent == NOTICES
    assert Counter(receiver.requests) == dict.fromkeys(keys, 1), "each delivered exactly once"
    assert sum(counts) == NOTICES
    assert all(count > 0 for count in counts), f"both replicas took a share: {counts}"
