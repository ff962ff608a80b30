"""A worker stopped in the middle of a send hands its leases back: another replica sends the
notice at once (under the same key) instead of waiting for the lease to run out."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

from bot.outbox.models import PENDING, SENDING, SENT
from bot.outbox.store import OutboxStore
from bot.outbox.worker import OutboxWorker
from bot.stopping import Stopping, looping
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

# A lease far longer than the test: only a release gives the notice back in time.
LONG_LEASE = dataclasses.replace(POLICY, lease_seconds=600.0)


async def test_a_stop_during_a_send_hands_the_lease_back_uncounted(
    database: Database, receiver: ReceivingFake
) -> None:
    now = datetime.now(UTC)
    queued = await queue(database.sessions, 2, now - timedelta(minutes=1))
    receiver.hold = True
    clock = Clock(now)
    store = OutboxStore(database.sessions, LONG_LEASE, UpperBound())
    channel = HttpChannel(receiver.url)
    worker = OutboxWorker(database.sessions, store, Composer(), [channel], now=clock)
    stopping = Stopping()
    async with looping(worker.run_forever(stopping), stopping=stopping, grace=0.1):
        async with asyncio.timeout(60):
            await receiver.arrived.wait()
        assert (await delivery(database.sessions, queued[0])).status == SENDING
    for delivery_id in queued:
        row = await delivery(database.sessions, delivery_id)
        assert (row.status, row.lease_until, row.attempts) == (PENDING, None, 0)

    receiver.hold = False
    other = OutboxWorker(
        database.sessions, store, Composer(), [HttpChannel(receiver.url)], now=clock
    )
    assert (await other.run_once()).sent == 2, "taken over at once, not after the lease"
    row = await delivery(database.sessions, queued[0])
    assert (row.status, row.attempts) == (SENT, 1)
