"""Retries in time: backoff with full jitter on an injected clock, dead after N attempts,
a permanent refusal dead at once, and a dead notice brought back by a retry."""

from __future__ import annotations

import random
from collections import deque
from datetime import timedelta

import pytest

from bot.errors import DeliveryError
from bot.outbox.models import DEAD, PENDING, SENT
from bot.outbox.policy import RetryPolicy
from bot.outbox.store import OutboxStore
from bot.outbox.worker import OutboxWorker
from tests.outbox.conftest import POLICY, START, Database
from tests.outbox.fakes import Clock, Composer, ScriptedChannel, UpperBound, delivery, queue

OUTAGE = DeliveryError("503 Service Unavailable", retryable=True)


def worker_on(
    database: Database,
    channel: ScriptedChannel,
    clock: Clock,
    *,
    policy: RetryPolicy = POLICY,
    rng: random.Random | UpperBound | None = None,
) -> OutboxWorker:
    store = OutboxStore(database.sessions, policy, rng or UpperBound())
    return OutboxWorker(database.sessions, store, Composer(), [channel], now=clock)


def test_the_backoff_ceiling_doubles_from_the_base_up_to_the_cap() -> None:
    policy = RetryPolicy(20, 30.0, 200.0, 120.0, 14)
    assert [policy.ceiling(n) for n in range(1, 6)] == [30.0, 60.0, 120.0, 200.0, 200.0]
    assert policy.ceiling(100) == 200.0, "no overflow after many attempts"


def test_full_jitter_draws_anywhere_between_zero_and_the_ceiling() -> None:
    policy = RetryPolicy(20, 30.0, 3600.0, 120.0, 14)
    waits = [policy.backoff(3, random.Random(seed)).total_seconds() for seed in range(200)]
    assert all(0.0 <= wait <= 120.0 for wait in waits)
    assert min(waits) < 20.0 and max(waits) > 100.0, "spread over the whole window"


async def test_a_failed_notice_waits_its_backoff_on_the_workers_clock(
    database: Database, clock: Clock
) -> None:
    channel = ScriptedChannel(errors=deque([OUTAGE, OUTAGE, OUTAGE]))
    worker = worker_on(database, channel, clock)
    (queued,) = await queue(database.sessions, 1, START)
    for wait in (30, 60, 120):  # the ceilings after the 1st, 2nd and 3rd failure
        assert (await worker.run_once()).retrying == 1
        row = await delivery(database.sessions, queued)
        assert row.status == PENDING
        assert row.last_error == "log 503"
        clock.advance(wait - 1)
        assert (await worker.run_once()).claimed == 0, "not before its time"
        clock.advance(1)
    assert (await worker.run_once()).sent == 1
    assert len(channel.delivered) == 1
    row = await delivery(database.sessions, queued)
    assert (row.status, row.attempts, row.last_error) == (SENT, 4, None)


async def test_a_jittered_retry_lands_inside_its_window(database: Database, clock: Clock) -> None:
    channel = ScriptedChannel(errors=deque([OUTAGE, OUTAGE]))
    worker = worker_on(database, channel, clock, rng=random.Random(8))
    (queued,) = await queue(database.sessions, 1, START)
    await worker.run_once()
    await worker.run_once(START + timedelta(seconds=30))  # the most the first wait can be
    row = await delivery(database.sessions, queued)
    assert row.attempts == 2, "retried within the first window"
    assert START + timedelta(seconds=30) <= row.next_attempt_at
    assert row.next_attempt_at <= START + timedelta(seconds=30 + 60)


async def test_a_notice_is_dead_after_the_last_allowed_attempt(
    database: Database, clock: Clock
) -> None:
    channel = ScriptedChannel(errors=deque([OUTAGE] * 10))
    worker = worker_on(database, channel, clock)
    (queued,) = await queue(database.sessions, 1, START)
    outcomes = []
    for _ in range(POLICY.max_attempts + 2):
        outcomes.append(await worker.run_once())
        clock.advance(POLICY.backoff_max_seconds)
    assert [o.retrying for o in outcomes[:3]] == [1, 1, 1]
    assert outcomes[3].dead == 1
    assert all(o.claimed == 0 for o in outcomes[4:]), "a dead notice is not claimed again"
    row = await delivery(database.sessions, queued)
    assert (row.status, row.attempts, row.last_error) == (DEAD, POLICY.max_attempts, "log 503")
    assert channel.delivered == []


@pytest.mark.parametrize(
    ("refusal", "code"),
    [
        ("403 MessageWritesBlocked", "log 403 MessageWritesBlocked"),
        ("550 5.1.1 <AnnaJansen@example.org>: mailbox unknown", "log 550"),
        ("the recipient is not known", "log refused"),
    ],
)
async def test_a_permanent_refusal_is_dead_at_once_with_a_code_and_no_address(
    database: Database, clock: Clock, refusal: str, code: str
) -> None:
    channel = ScriptedChannel(errors=deque([DeliveryError(refusal, retryable=False)]))
    worker = worker_on(database, channel, clock)
    (queued,) = await queue(database.sessions, 1, START)
    assert (await worker.run_once()).dead == 1
    row = await delivery(database.sessions, queued)
    assert (row.status, row.attempts, row.last_error) == (DEAD, 1, code)
    assert "@" not in (row.last_error or "") and "Anna" not in (row.last_error or "")


async def test_a_dead_notice_retried_is_sent(database: Database, clock: Clock) -> None:
    refusal = DeliveryError("403 MessageWritesBlocked", retryable=False)
    channel = ScriptedChannel(errors=deque([refusal]))
    worker = worker_on(database, channel, clock)
    store = OutboxStore(database.sessions, POLICY, UpperBound())
    (queued,) = await queue(database.sessions, 1, START)
    assert (await worker.run_once()).dead == 1
    clock.advance(3600)
    assert (await worker.run_once()).claimed == 0
    assert await store.retry(queued[:8], clock()) == queued, "an id prefix is enough"
    assert (await worker.run_once()).sent == 1
    assert len(channel.delivered) == 1
    row = await delivery(database.sessions, queued)
    assert (row.status, row.attempts, row.last_error) == (SENT, 2, None)


async def test_a_notice_dead_after_n_gets_one_more_attempt_per_retry(
    database: Database, clock: Clock
) -> None:
    channel = ScriptedChannel(errors=deque([OUTAGE] * (POLICY.max_attempts + 1)))
    worker = worker_on(database, channel, clock)
    store = OutboxStore(database.sessions, POLICY, UpperBound())
    (queued,) = await queue(database.sessions, 1, START)
    for _ in range(POLICY.max_attempts):
        await worker.run_once()
        clock.advance(POLICY.backoff_max_seconds)
    assert (await delivery(database.sessions, queued)).status == DEAD
    await store.retry(queued, clock())
    assert (await worker.run_once()).dead == 1, "still failing: dead again at once"
    await store.retry(queued, clock())
    assert (await worker.run_once()).sent == 1
    row = await delivery(database.sessions, queued)
    assert (row.status, row.attempts) == (SENT, POLICY.max_attempts + 2)
