"""PostgreSQL: a reporter deleting their signal while another event joins the same notice.
Whichever transaction takes the notice first, the other event's item ends up in a notice
that is still there (never deleted with the empty one, never lost)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from bot.app import Services
from bot.outbox.models import NEW_MESSAGE, DeliveryItemRow, DeliveryRow
from bot.signals.models import SignalRow
from bot.signals.registry import Adviser
from tests.signals.conftest import Build, at, core_at, delete_signal, signal_ids, submit_signal

pytestmark = pytest.mark.postgres
NOTICE_AT = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)  # 14:00 in Amsterdam
LATER = at(2026, 12, 1, 10, 30)


async def until_someone_waits_for_a_lock(services: Services) -> None:
    query = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
    for _ in range(400):
        async with services.sessions() as db:
            if (await db.execute(query)).scalar_one():
                return
        await asyncio.sleep(0.025)
    raise AssertionError("the other transaction never waited for the notice")


async def two_signals(services: Services) -> tuple[object, str, str, Adviser]:
    """B from the day before (its own notice), then A alone in the 14:00 notice."""
    await submit_signal(core_at(services, at(2026, 11, 30, 9, 17)))
    [b_id] = await signal_ids(services)
    a = await submit_signal(core_at(services, at(2026, 12, 1, 9, 17)))
    [a_id] = set(await signal_ids(services)) - {b_id}
    async with services.sessions() as db:
        row = await db.get(SignalRow, a_id)
    assert row is not None
    [adviser] = [x for x in await services.signals.registry.all() if x.id == row.adviser_id]
    return a, a_id, b_id, adviser


async def notice_items(services: Services) -> list[tuple[str, str]]:
    async with services.sessions() as db:
        query = (
            select(DeliveryItemRow.signal_id, DeliveryItemRow.kind)
            .join(DeliveryRow, DeliveryRow.id == DeliveryItemRow.delivery_id)
            .where(DeliveryRow.next_attempt_at == NOTICE_AT)
        )
        return [(str(s), str(k)) for s, k in (await db.execute(query)).all()]


@pytest.mark.parametrize("build_on", ["postgres"], indirect=True)
async def test_a_deletion_waits_for_an_event_joining_the_notice(build_on: Build) -> None:
    services = await build_on()
    a, _, b_id, adviser = await two_signals(services)
    outbox = services.signals.outbox
    async with services.sessions.begin() as db:
        await outbox.tell(db, adviser, NEW_MESSAGE, b_id, "2", LATER)
        deleting = asyncio.create_task(delete_signal(a.person, a.receipt))  # type: ignore[attr-defined]
        await until_someone_waits_for_a_lock(services)
    await deleting
    assert await notice_items(services) == [(b_id, NEW_MESSAGE)]


@pytest.mark.parametrize("build_on", ["postgres"], indirect=True)
async def test_an_event_waits_for_a_deletion_emptying_the_notice(build_on: Build) -> None:
    services = await build_on()
    _, a_id, b_id, adviser = await two_signals(services)
    outbox = services.signals.outbox

    async def tell() -> None:
        async with services.sessions.begin() as db:
            await outbox.tell(db, adviser, NEW_MESSAGE, b_id, "2", LATER)

    async with services.sessions.begin() as db:
        # The deletion holds the notice before the event's INSERT comes (so that finds the
        # row still there and does nothing), and deletes it while the event waits to lock it.
        await db.execute(select(DeliveryRow.id).with_for_update())
        telling = asyncio.create_task(tell())
        await until_someone_waits_for_a_lock(services)
        await outbox.forget(db, a_id)
        await db.delete(await db.get(SignalRow, a_id))
    await telling
    assert await notice_items(services) == [(b_id, NEW_MESSAGE)]
