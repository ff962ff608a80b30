"""One round of the worker: compose, address, send, mark; one bad notice never stops the rest."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from datetime import timedelta

import pytest

from bot.errors import DeliveryError
from bot.outbox.failures import NO_ADDRESS, NO_CHANNEL
from bot.outbox.models import DEAD, NEW_MESSAGE, NEW_SIGNAL, PENDING, SENT, DeliveryItemRow
from bot.outbox.policy import RetryPolicy
from bot.outbox.store import OutboxStore
from bot.outbox.worker import OutboxWorker
from bot.signals.models import SignalRow
from bot.stopping import Stopping
from tests.outbox.conftest import POLICY, START, Database
from tests.outbox.fakes import (
    Clock,
    Composer,
    ScriptedChannel,
    UpperBound,
    delivery,
    key_of,
    queue,
)


def worker_on(
    database: Database,
    composer: Composer,
    channels: list[ScriptedChannel],
    clock: Clock,
    policy: RetryPolicy = POLICY,
) -> OutboxWorker:
    store = OutboxStore(database.sessions, policy, UpperBound())
    return OutboxWorker(database.sessions, store, composer, channels, now=clock, batch_size=50)


async def test_each_notice_goes_to_its_address_with_its_key(
    database: Database, clock: Clock
) -> None:
    channel = ScriptedChannel()
    queued = await queue(database.sessions, 3, START)
    done = await worker_on(database, Composer(), [channel], clock).run_once()
    assert (done.claimed, done.sent) == (3, 3)
    rows = [await delivery(database.sessions, i) for i in queued]
    assert sorted((a, n.key) for a, n in channel.delivered) == sorted(
        (f"address-of-{row.recipient}", row.idempotency_key) for row in rows
    )
    assert {row.status for row in rows} == {SENT}


async def test_the_composer_gets_the_items_of_its_notice_only(
    database: Database, clock: Clock
) -> None:
    mine, other = await queue(database.sessions, 2, START)
    signal = secrets.token_hex(16)
    async with database.sessions.begin() as db:
        db.add(
            SignalRow(
                id=signal,
                public_key=b"k",
                receipt_wrap=b"w",
                created_on=START.date(),
                status="open",
            )
        )
        await db.flush()
        for delivery_id, kind in ((mine, NEW_SIGNAL), (mine, NEW_MESSAGE), (other, NEW_MESSAGE)):
            key = key_of(kind, signal, delivery_id)
            db.add(
                DeliveryItemRow(item_key=key, delivery_id=delivery_id, signal_id=signal, kind=kind)
            )
    composer = Composer()
    await worker_on(database, composer, [ScriptedChannel()], clock).run_once()
    assert len(composer.seen_items[mine]) == 2
    assert composer.seen_items[other] == [key_of(NEW_MESSAGE, signal, other)]


async def test_nothing_left_to_tell_is_marked_sent_without_sending(
    database: Database, clock: Clock
) -> None:
    channel = ScriptedChannel()
    (queued,) = await queue(database.sessions, 1, START)
    done = await worker_on(database, Composer(silent={queued}), [channel], clock).run_once()
    assert done.sent == 1 and channel.delivered == []
    assert (await delivery(database.sessions, queued)).status == SENT


async def test_a_recipient_without_an_address_is_dead_with_no_address(
    database: Database, clock: Clock
) -> None:
    gone = secrets.token_hex(16)
    (queued,) = await queue(database.sessions, 1, START, recipient=gone)
    channel = ScriptedChannel()
    done = await worker_on(database, Composer(gone={gone}), [channel], clock).run_once()
    assert done.dead == 1 and channel.delivered == []
    row = await delivery(database.sessions, queued)
    assert (row.status, row.last_error) == (DEAD, NO_ADDRESS)


async def test_a_channel_this_server_does_not_run_is_dead_with_no_channel(
    database: Database, clock: Clock
) -> None:
    (queued,) = await queue(database.sessions, 1, START, channel="mattermost")
    done = await worker_on(database, Composer(), [ScriptedChannel()], clock).run_once()
    assert done.dead == 1
    assert (await delivery(database.sessions, queued)).last_error == NO_CHANNEL


async def test_one_broken_notice_never_stops_the_others(
    database: Database, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    email = ScriptedChannel(name="email", errors=deque([RuntimeError("a channel bug")]))
    log_channel = ScriptedChannel()
    broken = await queue(database.sessions, 1, START)
    crashing = await queue(database.sessions, 1, START, channel="email")
    fine = await queue(database.sessions, 5, START)
    composer = Composer(broken=set(broken))
    done = await worker_on(database, composer, [email, log_channel], clock).run_once()
    assert (done.claimed, done.sent, done.retrying) == (7, 5, 2)
    assert len(log_channel.delivered) == len(fine)
    assert (await delivery(database.sessions, broken[0])).last_error == "compose KeyError"
    assert (await delivery(database.sessions, crashing[0])).last_error == "email RuntimeError"
    assert "a channel bug" not in caplog.text and "a composer bug" not in caplog.text


async def test_a_send_that_hangs_is_cut_off_before_its_lease_ends(
    database: Database, clock: Clock
) -> None:
    short = RetryPolicy(4, 30.0, 3600.0, lease_seconds=0.2, sent_keep_days=14)
    (queued,) = await queue(database.sessions, 1, START)
    channel = ScriptedChannel(hang=True)
    done = await worker_on(database, Composer(), [channel], clock, short).run_once()
    assert done.retrying == 1
    row = await delivery(database.sessions, queued)
    assert (row.status, row.last_error) == (PENDING, "log timeout")


async def test_a_refusal_is_logged_by_code_and_id_only(
    database: Database, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    refusal = DeliveryError("550 unknown mailbox <p.de.vries@example.org>", retryable=False)
    (queued,) = await queue(database.sessions, 1, START)
    channel = ScriptedChannel(errors=deque([refusal]))
    await worker_on(database, Composer(), [channel], clock).run_once()
    assert queued in caplog.text and "log 550" in caplog.text
    assert "example.org" not in caplog.text and "address-of" not in caplog.text


async def test_run_forever_sends_what_falls_due_and_purges_old_sent_notices(
    database: Database, clock: Clock
) -> None:
    old = await queue(database.sessions, 1, START - timedelta(days=POLICY.sent_keep_days + 1))
    recent = await queue(database.sessions, 1, START - timedelta(days=1))
    channel = ScriptedChannel()
    store = OutboxStore(database.sessions, POLICY, UpperBound())
    worker = OutboxWorker(
        database.sessions, store, Composer(), [channel], now=clock, poll_seconds=0.01
    )
    stopping = Stopping()
    running = asyncio.create_task(worker.run_forever(stopping))
    try:
        async with asyncio.timeout(20):
            while len(channel.delivered) < 2:
                await asyncio.sleep(0.01)
            later = await queue(database.sessions, 1, START + timedelta(minutes=1))
            clock.advance(60)
            while {v.id: v.status for v in await store.list_notices()} != {
                recent[0]: SENT,
                later[0]: SENT,
            }:
                await asyncio.sleep(0.01)
    finally:
        # Stopped between rounds and waited for: a worker cancelled in the middle of a
        # PostgreSQL call and left behind could outlive the engine, and then the test's event
        # loop could never close (its socket is gone, so its read never completes).
        stopping.request()
        async with asyncio.timeout(20):
            await running
    assert len(channel.delivered) == 3
    assert old[0] not in {view.id for view in await store.list_notices()}
