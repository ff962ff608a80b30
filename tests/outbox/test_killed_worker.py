"""A worker process killed in the middle of a send loses nothing: its lease runs out, another
worker takes the notice over, and the receiver, which got it already, notifies once."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta

from bot.outbox.models import SENDING, SENT
from bot.outbox.store import OutboxStore
from bot.outbox.worker import OutboxWorker
from tests.outbox.conftest import POLICY, Database
from tests.outbox.fakes import (
    Clock,
    Composer,
    HttpChannel,
    ReceivingFake,
    UpperBound,
    delivery,
    queue,
)
from tests.outbox.worker_process import spawn

LEASE_SECONDS = 600.0  # far longer than the test: only the injected clock ends it


async def test_a_notice_held_by_a_killed_worker_is_sent_once_its_lease_runs_out(
    database: Database, receiver: ReceivingFake
) -> None:
    now = datetime.now(UTC)
    (queued,) = await queue(database.sessions, 1, now - timedelta(minutes=1))
    receiver.hold = True
    process = await spawn(database.url, receiver.url, "--lease", str(LEASE_SECONDS), ready=False)
    try:
        async with asyncio.timeout(60):
            await receiver.arrived.wait()
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    assert process.returncode == -signal.SIGKILL
    held = await delivery(database.sessions, queued)
    assert (held.status, held.attempts) == (SENDING, 1), "killed mid-send, under its lease"
    assert held.lease_until is not None

    receiver.hold = False
    clock = Clock(now)
    store = OutboxStore(database.sessions, POLICY, UpperBound())
    worker = OutboxWorker(
        database.sessions, store, Composer(), [HttpChannel(receiver.url)], now=clock
    )
    clock.moment = held.lease_until - timedelta(seconds=1)
    assert (await worker.run_once()).claimed == 0, "not taken over while the lease holds"
    clock.moment = held.lease_until
    assert (await worker.run_once()).sent == 1
    row = await delivery(database.sessions, queued)
    assert (row.status, row.attempts) == (SENT, 2)
    assert receiver.requests == [row.idempotency_key] * 2, "sent again with the same key"
    assert list(receiver.notified) == [row.idempotency_key], "notified once"
