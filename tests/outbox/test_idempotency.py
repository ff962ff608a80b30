"""A send retried after a lost answer carries the same key, so the receiver notifies once."""

from __future__ import annotations

from collections import Counter

from bot.outbox.models import SENT
from bot.outbox.store import OutboxStore
from bot.outbox.worker import OutboxWorker
from tests.outbox.conftest import POLICY, START, Database
from tests.outbox.fakes import (
    LOSE,
    Clock,
    Composer,
    HttpChannel,
    ReceivingFake,
    UpperBound,
    delivery,
    queue,
)


async def test_a_lost_answer_is_retried_and_the_receiver_notifies_once(
    database: Database, clock: Clock, receiver: ReceivingFake
) -> None:
    queued = await queue(database.sessions, 3, START)
    receiver.script.extend([LOSE, 503, LOSE])
    store = OutboxStore(database.sessions, POLICY, UpperBound())
    worker = OutboxWorker(
        database.sessions, store, Composer(), [HttpChannel(receiver.url)], now=clock
    )
    first = await worker.run_once()
    assert (first.sent, first.retrying) == (0, 3), "a lost answer counts as a failure"
    clock.advance(POLICY.ceiling(1))
    again = await worker.run_once()
    assert again.sent == 3
    rows = [await delivery(database.sessions, i) for i in queued]
    keys = {row.idempotency_key for row in rows}
    assert Counter(receiver.requests) == dict.fromkeys(keys, 2), "each sent twice, same key"
    assert set(receiver.notified) == keys, "each notified once"
    assert {(row.status, row.attempts) for row in rows} == {(SENT, 2)}
