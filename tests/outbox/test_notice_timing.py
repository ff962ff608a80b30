"""A signal left at 10:17 is told at the 14:00 notice time, not before (issue: timing)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.app import Services
from bot.outbox.models import NEW_SIGNAL, NOTICE, DeliveryItemRow, DeliveryRow
from tests.outbox.desk_factories import as_utc, local
from tests.signals.conftest import core_at, submit_signal


async def test_a_signal_at_10_17_waits_for_the_14_00_notice(services: Services) -> None:
    await submit_signal(core_at(services, local(2026, 12, 1, 10, 17)))
    async with services.sessions() as db:
        query = select(DeliveryRow, DeliveryItemRow).join(
            DeliveryItemRow, DeliveryItemRow.delivery_id == DeliveryRow.id
        )
        told = (await db.execute(query)).all()
    assert told, "the new signal wrote no notice"
    for delivery, item in told:
        assert (delivery.kind, item.kind) == (NOTICE, NEW_SIGNAL)
        assert as_utc(delivery.next_attempt_at) == local(2026, 12, 1, 14, 0)
        assert delivery.local_date == date(2026, 12, 1)
