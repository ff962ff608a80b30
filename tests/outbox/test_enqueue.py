"""A change and its notice are written together; events gather per notice time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select, update

from bot.app import Services
from bot.outbox.enqueue import item_key, notice_channels
from bot.outbox.models import NEW_MESSAGE, NEW_SIGNAL, SENDING, DeliveryItemRow, DeliveryRow
from bot.outbox.port import EMAIL, LOG, TEAMS
from bot.signals.registry import Adviser
from tests.signals.conftest import (
    add_to_thread,
    at,
    core_at,
    delete_signal,
    signal_ids,
    submit_signal,
)


def adviser(**fields: object) -> Adviser:
    values: dict[str, object] = {
        "id": "a1",
        "name": "A",
        "active": True,
        "demo": False,
        "languages": ("nl",),
        "units": (),
        "attributes": (),
        "teams_id": None,
        "mattermost_id": None,
        "enrolled": True,
        "email": None,
        **fields,
    }
    return Adviser(**values)  # type: ignore[arg-type]


def test_notices_go_to_every_configured_address_on_an_enabled_channel() -> None:
    both = adviser(teams_id="aad-1", email="a@example.org")
    assert notice_channels(both, {TEAMS, EMAIL}) == (TEAMS, EMAIL)
    assert notice_channels(both, {EMAIL}) == (EMAIL,)


def test_an_adviser_without_a_usable_address_and_the_demo_adviser_go_to_the_log() -> None:
    assert notice_channels(adviser(teams_id="aad-1"), {EMAIL}) == (LOG,)
    assert notice_channels(adviser(demo=True, email="d@example.org"), {EMAIL}) == (LOG,)


async def deliveries(services: Services) -> list[DeliveryRow]:
    async with services.sessions() as db:
        return list((await db.execute(select(DeliveryRow))).scalars())


async def items(services: Services) -> list[DeliveryItemRow]:
    async with services.sessions() as db:
        return list((await db.execute(select(DeliveryItemRow))).scalars())


async def test_a_signal_is_stored_with_one_notice_for_the_next_notice_time(
    any_services: Services,
) -> None:
    core = core_at(any_services, at(2026, 12, 1, 9, 17))  # 10:17 in Amsterdam, a Tuesday
    await submit_signal(core)
    [row] = await deliveries(any_services)
    [item] = await items(any_services)
    assert row.next_attempt_at.replace(tzinfo=UTC) == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    assert (row.status, row.attempts, row.channel) == ("pending", 0, LOG)
    assert (item.delivery_id, item.kind) == (row.id, NEW_SIGNAL)
    assert item.signal_id == (await signal_ids(any_services))[0]


async def test_events_before_a_notice_time_gather_in_one_notice(any_services: Services) -> None:
    core = core_at(any_services, at(2026, 12, 1, 9, 17))
    first = await submit_signal(core)
    await submit_signal(core_at(any_services, at(2026, 12, 1, 12, 59)))
    await add_to_thread(first.person, first.receipt, "One more thing.")
    [row] = await deliveries(any_services)
    kinds = sorted(item.kind for item in await items(any_services))
    assert kinds == [NEW_MESSAGE, NEW_SIGNAL, NEW_SIGNAL]
    assert {item.delivery_id for item in await items(any_services)} == {row.id}


async def test_an_event_never_joins_a_notice_a_worker_has_begun(any_services: Services) -> None:
    await submit_signal(core_at(any_services, at(2026, 12, 1, 9, 17)))
    async with any_services.sessions.begin() as db:
        await db.execute(update(DeliveryRow).values(status=SENDING, attempts=1))
    await submit_signal(core_at(any_services, at(2026, 12, 1, 9, 30)))
    slots = sorted(
        (r.next_attempt_at.replace(tzinfo=UTC), r.status) for r in await deliveries(any_services)
    )
    assert slots == [
        (datetime(2026, 12, 1, 13, 0, tzinfo=UTC), SENDING),
        (datetime(2026, 12, 2, 8, 0, tzinfo=UTC), "pending"),  # 09:00 the next morning
    ]


async def test_the_same_event_is_told_once(any_services: Services) -> None:
    await submit_signal(core_at(any_services, at(2026, 12, 1, 9, 17)))
    [item] = await items(any_services)
    [row] = await deliveries(any_services)
    key = item_key(NEW_SIGNAL, item.signal_id, "0", row.recipient, row.channel)
    assert item.item_key == key


async def test_a_deleted_signal_takes_its_notice_items_along(any_services: Services) -> None:
    sent = await submit_signal(core_at(any_services, at(2026, 12, 1, 9, 17)))
    await delete_signal(sent.person, sent.receipt)
    assert await items(any_services) == []


async def test_concurrent_signals_share_one_notice_row(any_services: Services) -> None:
    core = core_at(any_services, at(2026, 12, 1, 9, 17))
    await asyncio.gather(*(submit_signal(core) for _ in range(8)))
    rows = await deliveries(any_services)
    assert len(rows) == 1
    assert len(await items(any_services)) == 8


async def test_a_reporter_flooding_their_own_signal_gives_the_adviser_one_notice(
    any_services: Services,
) -> None:
    """A stranger can leave a signal and then add to it as fast as they like: the adviser
    still gets one message per notice time, and the additions stop at the open limit."""
    core = core_at(any_services, at(2026, 12, 1, 9, 17))
    sent = await submit_signal(core)
    for n in range(any_services.settings.receipt_opens_per_signal + 3):
        await add_to_thread(sent.person, sent.receipt, f"More, part {n}.")
    [row] = await deliveries(any_services)
    told = await items(any_services)
    assert {item.delivery_id for item in told} == {row.id}
    additions = [item for item in told if item.kind == NEW_MESSAGE]
    assert len(additions) <= any_services.settings.receipt_opens_per_signal
