"""The adviser's desk: inbox, open, reply, ask, close, recuse. Every action is audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import InputError, NotYours
from bot.seal import AdviserRecipient, Author, open_signal_key_as_adviser, wrap_for_adviser
from bot.signals import audit
from bot.signals.content import SignalView, ThreadMessage
from bot.signals.dates import acknowledge_by, feedback_by
from bot.signals.intake import eligible, least_loaded
from bot.signals.models import MessageRow, SignalRow, SignalWrapRow
from bot.signals.registry import AdviserRegistry
from bot.signals.unlock import Unlocked
from bot.signals.vault import add_message, read_signal, write_thread


@dataclass(frozen=True, slots=True)
class InboxItem:
    id: str
    created_on: date
    age_days: int
    responsible: bool
    acknowledge_by: date | None  # None once acknowledged
    feedback_by: date
    new_messages: int


class AdviserDesk:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        registry: AdviserRegistry,
        today: Callable[[], date],
    ) -> None:
        self._sessions = sessions
        self._registry = registry
        self._today = today

    async def inbox(self, who: Unlocked) -> list[InboxItem]:
        """Open signals sealed for this adviser, oldest first; responsible ones marked."""
        today = self._today()
        last_adviser = (
            select(MessageRow.signal_id, func.max(MessageRow.sequence).label("seq"))
            .where(MessageRow.author == Author.ADVISER.value)
            .group_by(MessageRow.signal_id)
            .subquery()
        )
        query = (
            select(SignalRow, last_adviser.c.seq)
            .join(SignalWrapRow, SignalWrapRow.signal_id == SignalRow.id)
            .outerjoin(last_adviser, last_adviser.c.signal_id == SignalRow.id)
            .where(SignalWrapRow.adviser_id == who.adviser_id, SignalRow.status == "open")
            .order_by(SignalRow.created_on, SignalRow.id)
        )
        async with self._sessions() as db:
            rows = (await db.execute(query)).all()
        return [
            InboxItem(
                id=row.id,
                created_on=row.created_on,
                age_days=(today - row.created_on).days,
                responsible=row.adviser_id == who.adviser_id,
                acknowledge_by=None if row.acknowledged_on else acknowledge_by(row.created_on),
                feedback_by=feedback_by(row.created_on),
                new_messages=row.next_sequence - 1 - (seq if seq is not None else 0),
            )
            for row, seq in rows
        ]

    async def open(self, who: Unlocked, signal_id: str) -> SignalView:
        async with self._sessions.begin() as db:
            row, key = await self._signal(db, who, signal_id)
            view = await read_signal(db, row, key)
            await audit.append(db, self._today(), who.adviser_id, "open", row.id)
        return view

    async def reply(
        self, who: Unlocked, signal_id: str, text: str, *, question: bool = False
    ) -> None:
        if not text.strip():
            raise InputError("empty reply", code="empty")
        adviser = await self._registry.get(who.adviser_id)
        today = self._today()

        async def write(db: AsyncSession) -> None:  # retried whole on a clash (vault.py)
            row, key = await self._signal(db, who, signal_id)
            if row.status != "open":
                raise InputError("the signal is closed", code="closed")
            kind = "question" if question else "reply"
            add_message(
                db, row, key, Author.ADVISER, ThreadMessage(text, kind, adviser.name), today
            )
            row.acknowledged_on = row.acknowledged_on or today
            await audit.append(db, today, who.adviser_id, "ask" if question else "reply", row.id)

        await write_thread(self._sessions, signal_id, write)

    async def close(self, who: Unlocked, signal_id: str) -> None:
        today = self._today()
        async with self._sessions.begin() as db:
            row, _ = await self._signal(db, who, signal_id)
            row.status, row.closed_on = "closed", today
            await audit.append(db, today, who.adviser_id, "close", row.id)

    async def recuse(self, who: Unlocked, signal_id: str) -> str:
        """Step aside: the signal moves to another eligible adviser; returns their name."""
        advisers = await self._registry.all()
        load = await self._registry.open_load()
        today = self._today()
        async with self._sessions.begin() as db:
            row, key = await self._signal(db, who, signal_id)
            content = (await read_signal(db, row, key)).content
            pool = [a for a in eligible(advisers, content) if a.id != who.adviser_id]
            if not pool:
                raise InputError("no other adviser may read this signal", code="no_other_adviser")
            wrapped = set(
                (
                    await db.execute(
                        select(SignalWrapRow.adviser_id).where(SignalWrapRow.signal_id == row.id)
                    )
                ).scalars()
            )
            for adviser in pool:
                if adviser.id not in wrapped:
                    keyring = await self._registry.keyring(adviser.id)
                    wrap = wrap_for_adviser(
                        row.id, key, AdviserRecipient(adviser.id, keyring.public_key)
                    )
                    db.add(
                        SignalWrapRow(signal_id=row.id, adviser_id=adviser.id, sealed=wrap.sealed)
                    )
            await db.execute(
                delete(SignalWrapRow).where(
                    SignalWrapRow.signal_id == row.id, SignalWrapRow.adviser_id == who.adviser_id
                )
            )
            successor = least_loaded(pool, load)
            row.adviser_id = successor.id
            await audit.append(db, today, who.adviser_id, "recuse", row.id)
        return successor.name

    async def _signal(
        self, db: AsyncSession, who: Unlocked, signal_id: str
    ) -> tuple[SignalRow, X25519PrivateKey]:
        wrap = await db.get(SignalWrapRow, (signal_id, who.adviser_id))
        row = await db.get(SignalRow, signal_id)
        if wrap is None or row is None:
            raise NotYours("no such signal for you")
        key = open_signal_key_as_adviser(
            row.id, row.public_key, who.adviser_id, who.key, wrap.sealed
        )
        return row, key
