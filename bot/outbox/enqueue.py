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
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox.models import NOTICE, PENDING, REASSIGNED, DeliveryItemRow, DeliveryRow
from bot.outbox.port import EMAIL, LOG, MATTERMOST, TEAMS
from bot.outbox.schedule import NoticeSchedule
from bot.signals.models import SignalRow
from bot.signals.registry import Adviser

SLOTS_TRIED = 16  # more notice times than a worker could possibly have begun
REOPENS = 4  # a notice deleted by ``forget`` under our feet is opened again this often


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

    async def tell_reassigned(
        self,
        db: AsyncSession,
        signal_id: str,
        advisers: Mapping[str, Adviser],
        cause: str,
        now: datetime,
    ) -> None:
        """After a hand-over in this transaction: tell the signal's new responsible adviser.
        ``cause`` names the hand-over (who recused, who was disabled or away since when)."""
        row = await db.get(SignalRow, signal_id)
        successor = advisers.get(row.adviser_id or "") if row is not None else None
        if successor is not None:
            await self.tell(db, successor, REASSIGNED, signal_id, cause, now)

    async def forget(self, db: AsyncSession, signal_id: str) -> None:
        """Inside the transaction that deletes ``signal_id``, before it does: the signal's
        items go, and so does every notice not yet begun that then tells of nothing. An empty
        notice left waiting (or later "sent" with nothing in it) would show that something
        came in for that adviser in the window and was taken back.

        The notices are locked first (PostgreSQL ``FOR UPDATE``), so a ``tell`` adding an item
        to one at the same moment either commits before the emptiness check, which then sees
        its item, or finds the notice gone and opens it again (``_open_notice``)."""
        touched = select(DeliveryItemRow.delivery_id).where(DeliveryItemRow.signal_id == signal_id)
        ids = set((await db.execute(touched)).scalars())
        if not ids:
            return
        await db.execute(delete(DeliveryItemRow).where(DeliveryItemRow.signal_id == signal_id))
        waiting = select(DeliveryRow.id).where(
            DeliveryRow.id.in_(ids),
            DeliveryRow.kind == NOTICE,
            DeliveryRow.status == PENDING,
            DeliveryRow.attempts == 0,
        )
        locked = set((await db.execute(waiting.with_for_update())).scalars())
        if not locked:
            return
        told = exists().where(DeliveryItemRow.delivery_id == DeliveryRow.id)
        await db.execute(
            delete(DeliveryRow)
            .where(DeliveryRow.id.in_(locked), ~told)
            .execution_options(synchronize_session=False)
        )

    async def _open_notice(
        self, db: AsyncSession, recipient: str, channel: str, now: datetime
    ) -> str:
        slot = self._schedule.next_notice_at(now)
        for _ in range(SLOTS_TRIED + REOPENS):
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
            found = (await db.execute(query.with_for_update())).first()
            if found is None:
                continue  # emptied and deleted by ``forget`` while we waited: open it again
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
