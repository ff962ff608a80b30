"""Writing a notice into the outbox, inside the transaction of the change that causes it.

``Outbox.tell`` is called by intake (a new signal), follow-up (a reporter's message) and the
desk (a hand-over). It attaches one item to the recipient's notice for the next notice time,
per notice channel: many events before 14:00 become one message at 14:00, and the rows say
nothing finer about when the reporter acted than that notice time. Because the rows are
written in the caller's transaction, a crash keeps the change and its notice, or neither.

An item joins only a notice that no worker has touched yet (``pending``, no attempt): once a
send has begun, its receiver may already hold that version, so a late item goes to the next
notice time instead. The notice row is inserted if missing and then locked (PostgreSQL
``FOR UPDATE``; SQLite has one writer at a time), so the check and the insert cannot
interleave with a worker's claim.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox.models import NOTICE, PENDING, DeliveryItemRow, DeliveryRow
from bot.outbox.port import EMAIL, LOG, MATTERMOST, TEAMS
from bot.outbox.schedule import NoticeSchedule
from bot.signals.registry import Adviser

SLOTS_TRIED = 16  # more notice times than a worker could possibly have begun


def notice_channels(adviser: Adviser, enabled: Iterable[str]) -> tuple[str, ...]:
    """Where this adviser's notices go: every configured address on an enabled channel; the
    serve log for the demo adviser or for an adviser with no usable address (so nothing is
    silently dropped, and the admin's digest can say who has no address)."""
    usable = set(enabled)
    found = [
        channel
        for channel, address in (
            (TEAMS, adviser.teams_id),
            (MATTERMOST, adviser.mattermost_id),
            (EMAIL, adviser.email),
        )
        if address and channel in usable and not adviser.demo
    ]
    return tuple(found) or (LOG,)


def digest_key(recipient: str, channel: str, day: object) -> str:
    return _hash("digest", recipient, channel, str(day))


def notice_key(recipient: str, channel: str, slot: datetime) -> str:
    return _hash("notice", recipient, channel, slot.isoformat())


def item_key(kind: str, signal_id: str, event: str, recipient: str, channel: str) -> str:
    return _hash(kind, signal_id, event, recipient, channel)


class Outbox:
    """Attaches events to notices; ``enabled`` names the channels this deployment has."""

    def __init__(self, schedule: NoticeSchedule, enabled: Iterable[str]) -> None:
        self._schedule = schedule
        self._enabled = frozenset(enabled) | {LOG}

    @property
    def schedule(self) -> NoticeSchedule:
        return self._schedule

    def channels(self, adviser: Adviser) -> tuple[str, ...]:
        return notice_channels(adviser, self._enabled)

    async def tell(
        self,
        db: AsyncSession,
        adviser: Adviser,
        kind: str,
        signal_id: str,
        event: str,
        now: datetime,
    ) -> None:
        """Inside the caller's transaction: tell ``adviser`` of ``kind`` at the next notice
        time. ``event`` tells this event apart from others of the same kind and signal (a
        message's sequence, a hand-over's cause); the same event is only ever told once."""
        for channel in self.channels(adviser):
            delivery_id = await self._open_notice(db, adviser.id, channel, now)
            key = item_key(kind, signal_id, event, adviser.id, channel)
            await db.execute(
                _insert(db, DeliveryItemRow)
                .values(item_key=key, delivery_id=delivery_id, signal_id=signal_id, kind=kind)
                .on_conflict_do_nothing(index_elements=["item_key"])
            )

    async def _open_notice(
        self, db: AsyncSession, recipient: str, channel: str, now: datetime
    ) -> str:
        slot = self._schedule.next_notice_at(now)
        for _ in range(SLOTS_TRIED):
            key = notice_key(recipient, channel, slot)
            await db.execute(
                _insert(db, DeliveryRow)
                .values(
                    id=secrets.token_hex(16),
                    kind=NOTICE,
                    recipient=recipient,
                    channel=channel,
                    local_date=self._schedule.local_date(slot),
                    idempotency_key=key,
                    status=PENDING,
                    attempts=0,
                    next_attempt_at=slot,
                )
                .on_conflict_do_nothing(index_elements=["idempotency_key"])
            )
            query = select(DeliveryRow.id, DeliveryRow.status, DeliveryRow.attempts).where(
                DeliveryRow.idempotency_key == key
            )
            found = (await db.execute(query.with_for_update())).one()
            if found.status == PENDING and found.attempts == 0:
                return str(found.id)
            slot = self._schedule.next_notice_at(slot)
        raise AssertionError("every notice time ahead is already being sent")


def _insert(db: AsyncSession, table: type[Any]) -> Any:
    """``INSERT … ON CONFLICT`` in the dialect of this session (both support DO NOTHING)."""
    if db.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _hash(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()
