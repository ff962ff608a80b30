"""Claiming under a lease, and what a lost lease may no longer write, on both databases."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot.outbox.models import DEAD, PENDING, SENDING, SENT, DeliveryRow
from bot.outbox.store import LEASE_EXPIRED, Failure, OutboxStore
from tests.outbox.conftest import POLICY, START, Database
from tests.outbox.fakes import UpperBound, delivery, queue


def store_on(database: Database) -> OutboxStore:
    return OutboxStore(database.sessions, POLICY, UpperBound())


async def test_a_notice_waits_for_its_notice_time(database: Database) -> None:
    store = store_on(database)
    (queued,) = await queue(database.sessions, 1, START)
    assert await store.claim(START - timedelta(seconds=1), 10) == []
    (claimed,) = await store.claim(START, 10)
    assert claimed.id == queued
    assert (claimed.status, claimed.attempts) == (SENDING, 1)
    assert claimed.lease_until == START + POLICY.lease


async def test_a_claimed_notice_is_not_claimed_again_while_its_lease_holds(
    database: Database,
) -> None:
    store = store_on(database)
    await queue(database.sessions, 3, START)
    first = await store.claim(START, 2)
    rest = await store.claim(START + POLICY.lease - timedelta(seconds=1), 10)
    assert len(first) == 2 and len(rest) == 1
    assert {row.id for row in first}.isdisjoint({row.id for row in rest})


async def test_an_expired_lease_is_due_again_with_one_attempt_more(database: Database) -> None:
    store = store_on(database)
    (queued,) = await queue(database.sessions, 1, START)
    await store.claim(START, 10)
    (again,) = await store.claim(START + POLICY.lease, 10)
    assert (again.id, again.attempts) == (queued, 2)


async def test_a_worker_that_lost_its_lease_cannot_overwrite_the_new_owner(
    database: Database,
) -> None:
    store = store_on(database)
    await queue(database.sessions, 1, START)
    (stale,) = await store.claim(START, 10)
    (owner,) = await store.claim(START + POLICY.lease, 10)
    assert await store.mark_sent(stale) is False
    assert await store.mark_failed(stale, Failure("log 503", True), START) is None
    assert (await delivery(database.sessions, owner.id)).status == SENDING
    assert await store.mark_sent(owner) is True
    assert (await delivery(database.sessions, owner.id)).status == SENT


async def test_a_lease_that_runs_out_on_the_last_attempt_makes_the_notice_dead(
    database: Database,
) -> None:
    store = store_on(database)
    (queued,) = await queue(database.sessions, 1, START)
    moment = START
    for _ in range(POLICY.max_attempts):
        assert len(await store.claim(moment, 10)) == 1
        moment += POLICY.lease
    assert await store.claim(moment, 10) == []
    row = await delivery(database.sessions, queued)
    assert (row.status, row.attempts, row.last_error) == (DEAD, POLICY.max_attempts, LEASE_EXPIRED)


async def test_concurrent_claims_share_the_queue_without_overlap(database: Database) -> None:
    store = store_on(database)
    queued = await queue(database.sessions, 60, START)
    rounds = await asyncio.gather(*(store.claim(START, 7) for _ in range(12)))
    ids = [row.id for claimed in rounds for row in claimed]
    assert sorted(ids) == sorted(queued), "every notice claimed once, none twice"


async def test_purge_removes_sent_notices_past_the_keep_period_only(database: Database) -> None:
    store = store_on(database)
    old, recent, failing = (
        await queue(database.sessions, 1, START - timedelta(days=POLICY.sent_keep_days, hours=1)),
        await queue(database.sessions, 1, START - timedelta(days=1)),
        await queue(database.sessions, 1, START - timedelta(days=POLICY.sent_keep_days + 5)),
    )
    for row in await store.claim(START, 10):
        if row.id in failing:
            await store.mark_failed(row, Failure("log 550", retryable=False), START)
        else:
            await store.mark_sent(row)
    assert await store.purge_sent(START) == 1
    async with database.sessions() as db:
        left = set(await db.scalars(select(DeliveryRow.id)))
    assert left == {*recent, *failing}, "dead notices stay for the admin"
    assert old[0] not in left


async def test_retry_all_dead_makes_them_due_now_and_leaves_others(database: Database) -> None:
    store = store_on(database)
    dead = await queue(database.sessions, 2, START)
    for row in await store.claim(START, 10):
        await store.mark_failed(row, Failure("teams 403", retryable=False), START)
    await queue(database.sessions, 1, START + timedelta(days=1))
    later = START + timedelta(hours=3)
    assert await store.retry_all_dead(later) == 2
    async with database.sessions() as db:
        pending = await db.scalar(
            select(func.count()).where(DeliveryRow.status == PENDING, DeliveryRow.id.in_(dead))
        )
    assert pending == 2
    claimed = await store.claim(later, 10)
    assert sorted(row.id for row in claimed) == sorted(dead)
    assert all(row.attempts == 2 for row in claimed), "a retry keeps the count of attempts"
