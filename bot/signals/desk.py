"""The adviser's desk: inbox, open, reply, ask, acknowledge, close, recuse. All audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import InputError, NotYours
from bot.outbox.enqueue import Outbox
from bot.routing.availability import away_on
from bot.routing.select import successor
from bot.seal import CONTENT_SEQUENCE, Author, open_signal_key_as_adviser
from bot.signals.audit import NO_SIGNAL, AuditChain
from bot.signals.content import SignalView, ThreadMessage
from bot.signals.dates import acknowledge_by, feedback_by
from bot.signals.models import (
    AdviserRow,
    MessageRow,
    SignalRecusalRow,
    SignalRow,
    SignalWrapRow,
)
from bot.signals.registry import AdviserRegistry
from bot.signals.succession import (
    Handover,
    backups,
    hand_over,
    lapsed_advisers,
    remove_wraps,
)
from bot.signals.transaction import in_transaction
from bot.signals.unlock import Unlocked, end_sessions
from bot.signals.vault import add_message, read_signal, write_thread
from bot.stats.categories import OUTCOMES
from bot.stats.tally import NoTally, Tally


@dataclass(frozen=True, slots=True)
class InboxItem:
    id: str
    created_on: date
    age_days: int
    responsible: bool
    acknowledge_by: date | None  # None once acknowledged
    feedback_by: date | None  # counted from the acknowledgement: None until then
    new_messages: int


class AdviserDesk:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        registry: AdviserRegistry,
        today: Callable[[], date],
        audit: AuditChain,
        *,
        outbox: Outbox,
        now: Callable[[], datetime],
        tally: Tally | None = None,
    ) -> None:
        self._tally = tally or NoTally()
        self._sessions = sessions
        self._registry = registry
        self._today = today
        self._audit = audit
        self._outbox = outbox
        self._now = now

    @property
    def audit(self) -> AuditChain:
        return self._audit

    def today(self) -> date:
        return self._today()

    async def inbox(self, who: Unlocked) -> list[InboxItem]:
        """Open signals sealed for this adviser, oldest first; responsible ones marked.

        New: what the reporter wrote (the signal itself included) that this adviser has not
        opened yet; a reply or another adviser's reading does not make it read.
        """
        today = self._today()
        unread = (
            select(func.count())
            .where(
                MessageRow.signal_id == SignalRow.id,
                MessageRow.author == Author.REPORTER.value,
                MessageRow.sequence > SignalWrapRow.read_up_to,
            )
            .correlate(SignalRow, SignalWrapRow)
            .scalar_subquery()
        )
        query = (
            select(SignalRow, unread)
            .join(SignalWrapRow, SignalWrapRow.signal_id == SignalRow.id)
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
                feedback_by=feedback_by(row.acknowledged_on) if row.acknowledged_on else None,
                new_messages=new,
            )
            for row, new in rows
        ]

    async def open(self, who: Unlocked, signal_id: str) -> SignalView:
        """The whole signal and thread; from now on nothing in it is new for this adviser."""

        async def work(db: AsyncSession) -> SignalView:
            await self._audit.append(db, self._today(), who.adviser_id, "open", signal_id)
            row, key = await self._signal(db, who, signal_id)
            view = await read_signal(db, row, key)
            last = max((entry.sequence for entry in view.thread), default=CONTENT_SEQUENCE)
            await _read_up_to(db, signal_id, who.adviser_id, last)
            return view

        return await in_transaction(self._sessions, work)

    async def reply(
        self, who: Unlocked, signal_id: str, text: str, *, question: bool = False
    ) -> None:
        if not text.strip():
            raise InputError("empty reply", code="empty")
        adviser = await self._registry.get(who.adviser_id)
        today = self._today()
        first: list[date] = []  # created_on, when this reply is the acknowledgement

        async def write(db: AsyncSession) -> None:  # retried whole on a clash (vault.py)
            first.clear()
            row, key = await self._signal(db, who, signal_id)
            if row.status != "open":
                raise InputError("the signal is closed", code="closed")
            kind = "question" if question else "reply"
            sequence = add_message(
                db, row, key, Author.ADVISER, ThreadMessage(text, kind, adviser.name), today
            )
            # Whoever answers has dealt with what came before: none of it is new for them.
            await _read_up_to(db, row.id, who.adviser_id, sequence)
            if row.acknowledged_on is None:
                first.append(row.created_on)
                row.acknowledged_on = today
            await self._audit.append(
                db, today, who.adviser_id, "ask" if question else "reply", row.id
            )

        await write_thread(self._sessions, signal_id, write)
        for created_on in first:  # committed: counted in memory only
            self._tally.add("acknowledged", _in_time(today, acknowledge_by(created_on)))

    async def acknowledge(self, who: Unlocked, signal_id: str) -> date:
        """Confirm receipt without a reply yet; the feedback deadline counts from today.

        Any adviser who can read the signal may, e.g. a backup while the responsible one is
        away. Returns the feedback deadline.
        """
        today = self._today()

        async def work(db: AsyncSession) -> date:  # the signal's date, to count the deadline
            await self._audit.append(db, today, who.adviser_id, "acknowledge", signal_id)
            row, _ = await self._signal(db, who, signal_id)
            if row.status != "open":
                raise InputError("the signal is closed", code="closed")
            if row.acknowledged_on is not None:
                # Raising rolls the audit row back too: nothing at all changes.
                raise InputError("the signal is already acknowledged", code="already_acknowledged")
            row.acknowledged_on = today
            return row.created_on

        created_on = await in_transaction(self._sessions, work)
        self._tally.add("acknowledged", _in_time(today, acknowledge_by(created_on)))
        return feedback_by(today)

    async def close(self, who: Unlocked, signal_id: str, outcome: str) -> None:
        """Close an open signal with its outcome; a closed one stays as it was (and its retention).

        ``outcome`` is one of the fixed outcomes the yearly report counts.
        """
        if outcome not in OUTCOMES:
            raise InputError("unknown outcome", code="unknown_outcome")
        today = self._today()

        async def work(db: AsyncSession) -> tuple[date, date | None]:
            await self._audit.append(db, today, who.adviser_id, "close", signal_id)
            row, _ = await self._signal(db, who, signal_id)
            if row.status == "closed":
                # Raising rolls the audit row back too: nothing at all changes.
                raise InputError("the signal is already closed", code="already_closed")
            row.status, row.closed_on = "closed", today
            return row.created_on, row.acknowledged_on

        created_on, acknowledged_on = await in_transaction(self._sessions, work)
        # Committed: counted in memory only.
        self._tally.add("outcomes", outcome)
        if acknowledged_on is None:  # closed unanswered: no feedback came, and no receipt
            self._tally.add("acknowledged", _in_time(today, acknowledge_by(created_on)))
            self._tally.add("feedback", "late")
        else:
            self._tally.add("feedback", _in_time(today, feedback_by(acknowledged_on)))

    async def recuse(self, who: Unlocked, signal_id: str) -> str:
        """Step aside; returns the name of whoever is responsible now.

        The signal moves only to an adviser who already holds a wrap of it (so nobody added
        after the submission gains access this way) and never to one who recused before.
        """
        advisers = {a.id: a for a in await self._registry.all()}
        load = await self._registry.open_load()
        today = self._today()

        async def work(db: AsyncSession) -> str:
            await self._audit.append(db, today, who.adviser_id, "recuse", signal_id)
            row, _ = await self._signal(db, who, signal_id)
            if row.adviser_id == who.adviser_id:
                pool = await backups(db, row.id, advisers, leaving=who.adviser_id)
                if not pool:
                    raise InputError("nobody else can read this signal", code="no_other_adviser")
                away = await away_on(db, today)
                row.adviser_id = successor(pool, load, away).id
                await db.flush()
                await self._outbox.tell_reassigned(
                    db, row.id, advisers, f"recuse:{who.adviser_id}", self._now()
                )
            db.add(SignalRecusalRow(signal_id=row.id, adviser_id=who.adviser_id))
            await db.execute(
                delete(SignalWrapRow).where(
                    SignalWrapRow.signal_id == row.id, SignalWrapRow.adviser_id == who.adviser_id
                )
            )
            responsible = advisers.get(row.adviser_id or "")
            return responsible.name if responsible else ""

        return await in_transaction(self._sessions, work)

    async def disable_adviser(self, adviser_id: str) -> Handover:
        """No more signals for them, sessions ended, their open ones to a backup with a wrap."""
        advisers = {a.id: a for a in await self._registry.all()}
        if adviser_id not in advisers:
            raise InputError(f"no adviser with id {adviser_id}")
        load = await self._registry.open_load()
        today = self._today()

        async def work(db: AsyncSession) -> Handover:
            await self._audit.append(db, today, adviser_id, "disable", NO_SIGNAL)
            row = await db.get(AdviserRow, adviser_id)
            assert row is not None
            row.active, row.disabled_on = False, row.disabled_on or today
            await end_sessions(db, adviser_id)
            gone = {**advisers, adviser_id: replace(advisers[adviser_id], active=False)}
            away = await away_on(db, today)
            moved, stranded = await hand_over(db, adviser_id, gone, dict(load), away)
            await db.flush()
            for signal_id in moved:
                await self._audit.append(db, today, adviser_id, "reassign", signal_id)
                await self._outbox.tell_reassigned(
                    db, signal_id, advisers, f"disable:{adviser_id}", self._now()
                )
            return Handover(row.name, len(moved), tuple(stranded))

        handover = await in_transaction(self._sessions, work)
        self._registry.forget_addresses()
        return handover

    async def remove_lapsed_wraps(self, grace_days: int) -> int:
        """Housekeeping: wraps of advisers disabled ``grace_days`` ago or more are removed."""
        today = self._today()

        async def work(db: AsyncSession) -> int:
            lapsed = await lapsed_advisers(db, today, grace_days)
            for adviser_id in lapsed:
                await self._audit.append(db, today, adviser_id, "remove_wraps", NO_SIGNAL)
                await remove_wraps(db, adviser_id)
            return len(lapsed)

        return await in_transaction(self._sessions, work)

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


async def _read_up_to(db: AsyncSession, signal_id: str, adviser_id: str, sequence: int) -> None:
    wrap = await db.get(SignalWrapRow, (signal_id, adviser_id))
    if wrap is not None:
        wrap.read_up_to = max(wrap.read_up_to, sequence)


def _in_time(done: date, due: date) -> str:
    """The yearly picture's deadline category: met on or before the due date, else late."""
    return "met" if done <= due else "late"
