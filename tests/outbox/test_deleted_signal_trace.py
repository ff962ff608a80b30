"""A reporter who deletes their signal before the notice time leaves no notice behind: an
empty notice row waiting for 14:00 (and later "sent" without anything in it) would tell
whoever reads the database that something came in for that adviser in the window and was
taken back."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.app import Services
from bot.outbox.models import SENDING, DeliveryItemRow, DeliveryRow
from tests.signals.conftest import add_to_thread, at, core_at, delete_signal, submit_signal


async def rows(services: Services) -> tuple[list[DeliveryRow], list[DeliveryItemRow]]:
    async with services.sessions() as db:
        deliveries = list((await db.execute(select(DeliveryRow))).scalars())
        items = list((await db.execute(select(DeliveryItemRow))).scalars())
    return deliveries, items


async def test_a_signal_deleted_before_its_notice_leaves_no_notice(any_services: Services) -> None:
    sent = await submit_signal(core_at(any_services, at(2026, 12, 1, 9, 17)))
    await add_to_thread(sent.person, sent.receipt, "One more thing.")
    await delete_signal(sent.person, sent.receipt)
    assert await rows(any_services) == ([], [])


async def test_the_notice_stays_for_the_signals_still_there(any_services: Services) -> None:
    core = core_at(any_services, at(2026, 12, 1, 9, 17))
    kept = await submit_signal(core)
    gone = await submit_signal(core_at(any_services, at(2026, 12, 1, 10, 2)))
    await delete_signal(gone.person, gone.receipt)
    [notice], [item] = await rows(any_services)
    assert item.delivery_id == notice.id
    await delete_signal(kept.person, kept.receipt)
    assert await rows(any_services) == ([], [])


async def test_a_notice_a_worker_has_begun_is_left_to_the_worker(any_services: Services) -> None:
    sent = await submit_signal(core_at(any_services, at(2026, 12, 1, 9, 17)))
    async with any_services.sessions.begin() as db:
        await db.execute(update(DeliveryRow).values(status=SENDING, attempts=1))
    await delete_signal(sent.person, sent.receipt)
    [notice], items = await rows(any_services)
    assert (notice.status, items) == (SENDING, [])  # its lease and outcome stay the worker's


async def test_a_new_signal_after_a_deletion_gets_a_notice_again(any_services: Services) -> None:
    gone = await submit_signal(core_at(any_services, at(2026, 12, 1, 9, 17)))
    await delete_signal(gone.person, gone.receipt)
    await submit_signal(core_at(any_services, at(2026, 12, 1, 11, 0)))
    [notice], [item] = await rows(any_services)
    assert item.delivery_id == notice.id
