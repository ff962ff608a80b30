"""Advisers' absences: who is away on a day, and handing signals over for a long absence.

While away an adviser is not chosen for new signals (:func:`bot.routing.select.eligible`).
An absence of ``long_absence_days`` or more hands their open signals, at its start, to
advisers who already hold a wrap of them (the same rule as disabling,
:mod:`bot.signals.succession`): nobody new is ever wrapped in. A shorter absence keeps the
signals with them; their deadlines go to the backups' digest instead.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import InputError
from bot.outbox.enqueue import Outbox
from bot.routing.models import AbsenceRow
from bot.signals.audit import NO_SIGNAL, AuditChain
from bot.signals.models import AdviserRow, SignalRecusalRow, SignalRow, SignalWrapRow
from bot.signals.registry import Adviser, AdviserRegistry
from bot.signals.succession import Handover, backups, hand_over
from bot.signals.transaction import in_transaction

MAX_ABSENCE_DAYS = 366  # a longer one is a departure: disable the adviser instead


@dataclass(frozen=True, slots=True)
class Absence:
    id: str
    adviser_id: str
    starts_on: date
    ends_on: date  # included

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    @classmethod
    def of(cls, row: AbsenceRow) -> Absence:
        return cls(row.id, row.adviser_id, row.starts_on, row.ends_on)


async def away_on(db: AsyncSession, day: date) -> frozenset[str]:
    """Ids of advisers with an absence that includes ``day``."""
    query = select(AbsenceRow.adviser_id).where(
        AbsenceRow.starts_on <= day, AbsenceRow.ends_on >= day
    )
    return frozenset((await db.execute(query)).scalars())


async def waiting_for_adviser(db: AsyncSession, row: SignalRow, today: date) -> bool:
    """An open signal nobody takes up now: its responsible adviser is gone or disabled, or
    away with no other present adviser able to read it (what the reporter is told)."""
    if row.status != "open":
        return False
    responsible = await db.get(AdviserRow, row.adviser_id) if row.adviser_id else None
    if responsible is None or not responsible.active or responsible.keyring is None:
        return True
    away = await away_on(db, today)
    if responsible.id not in away:
        return False
    recused = select(SignalRecusalRow.adviser_id).where(SignalRecusalRow.signal_id == row.id)
    others = (
        select(AdviserRow.id)
        .join(SignalWrapRow, SignalWrapRow.adviser_id == AdviserRow.id)
        .where(
            SignalWrapRow.signal_id == row.id,
            AdviserRow.active.is_(True),
            AdviserRow.keyring.is_not(None),
            AdviserRow.id.not_in(recused),
        )
    )
    return not (set((await db.execute(others)).scalars()) - away)


def present(advisers: Mapping[str, Adviser], away: frozenset[str]) -> dict[str, Adviser]:
    """The advisers as a hand-over sees them: someone away cannot take a signal over."""
    return {i: replace(a, active=False) if i in away else a for i, a in advisers.items()}


class Absences:
    """Adds, lists and cancels absences; hands signals over at the start of a long one."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        registry: AdviserRegistry,
        audit: AuditChain,
        today: Callable[[], date],
        long_absence_days: int,
        *,
        outbox: Outbox,
        now: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._registry = registry
        self._audit = audit
        self._today = today
        self._long = long_absence_days
        self._outbox = outbox
        self._now = now

    async def add(self, adviser_id: str, starts_on: date, ends_on: date) -> Absence:
        """Record an absence; if it is long and has begun, hand the signals over at once."""
        await self._registry.get(adviser_id)  # InputError for an unknown adviser
        today = self._today()
        if ends_on < starts_on:
            raise InputError("the absence ends before it starts", code="away_order")
        if ends_on < today:
            raise InputError("the absence lies in the past", code="away_past")
        if (ends_on - starts_on).days + 1 > MAX_ABSENCE_DAYS:
            raise InputError(
                f"an absence is at most {MAX_ABSENCE_DAYS} days; disable the adviser instead",
                code="away_too_long",
            )
        absence = Absence(secrets.token_hex(8), adviser_id, starts_on, ends_on)

        async def work(db: AsyncSession) -> None:
            await self._audit.append(db, today, adviser_id, "away", NO_SIGNAL)
            db.add(AbsenceRow(**_fields(absence)))

        await in_transaction(self._sessions, work)
        if absence.covers(today) and absence.days >= self._long:
            await self.hand_over_absent(today)
        return absence

    async def upcoming(self, adviser_id: str | None = None) -> list[Absence]:
        """Absences that have not ended yet, soonest first."""
        query = select(AbsenceRow).where(AbsenceRow.ends_on >= self._today())
        if adviser_id is not None:
            query = query.where(AbsenceRow.adviser_id == adviser_id)
        query = query.order_by(AbsenceRow.starts_on, AbsenceRow.id)
        async with self._sessions() as db:
            return [Absence.of(row) for row in (await db.execute(query)).scalars()]

    async def remove(self, absence_id: str, adviser_id: str | None = None) -> Absence:
        """Cancel an absence (only ``adviser_id``'s own, when given); handed-over signals stay."""
        today = self._today()

        async def work(db: AsyncSession) -> Absence:
            row = await db.get(AbsenceRow, absence_id)
            if row is None or adviser_id not in (None, row.adviser_id):
                raise InputError(f"no absence with id {absence_id}", code="no_absence")
            absence = Absence.of(row)
            await self._audit.append(db, today, absence.adviser_id, "away_cancel", NO_SIGNAL)
            await db.delete(row)
            return absence

        return await in_transaction(self._sessions, work)

    async def away_on(self, day: date) -> frozenset[str]:
        async with self._sessions() as db:
            return await away_on(db, day)

    async def hand_over_absent(self, today: date) -> list[Handover]:
        """For every long absence under way: the adviser's open signals to present backups.

        Safe to run every day: only advisers still responsible for an open signal are
        looked at, and an absent one gets no new signals. A signal nobody else can read
        stays with them (stranded) and waits; the admin's digest says so.
        """
        advisers = {a.id: a for a in await self._registry.all()}
        load = await self._registry.open_load()
        async with self._sessions() as db:
            absent = sorted(await self._long_absences(db, today) & load.keys() & advisers.keys())
            away = await away_on(db, today)
            movable = [a for a in absent if await _movable(db, a, present(advisers, away))]
        return [await self._hand_over(a, advisers, away, load, today) for a in movable]

    async def _hand_over(
        self,
        adviser_id: str,
        advisers: Mapping[str, Adviser],
        away: frozenset[str],
        load: dict[str, int],
        today: date,
    ) -> Handover:
        async def work(db: AsyncSession) -> Handover:
            # The audit row first: it takes SQLite's write lock before anything is read.
            await self._audit.append(db, today, adviser_id, "long_absence", NO_SIGNAL)
            moved, stranded = await hand_over(db, adviser_id, present(advisers, away), load)
            await db.flush()
            cause = f"absence:{adviser_id}:{today.isoformat()}"
            for signal_id in moved:
                await self._audit.append(db, today, adviser_id, "reassign", signal_id)
                await self._outbox.tell_reassigned(db, signal_id, advisers, cause, self._now())
            return Handover(advisers[adviser_id].name, len(moved), tuple(stranded))

        return await in_transaction(self._sessions, work)

    async def _long_absences(self, db: AsyncSession, today: date) -> set[str]:
        shortest = timedelta(days=self._long - 1)
        query = select(AbsenceRow).where(AbsenceRow.starts_on <= today, AbsenceRow.ends_on >= today)
        rows = (await db.execute(query)).scalars()
        return {row.adviser_id for row in rows if row.ends_on - row.starts_on >= shortest}


async def _movable(db: AsyncSession, adviser_id: str, advisers: Mapping[str, Adviser]) -> bool:
    """Whether any of the adviser's open signals has someone present to take it over."""
    mine = select(SignalRow.id).where(
        SignalRow.adviser_id == adviser_id, SignalRow.status == "open"
    )
    for signal_id in (await db.execute(mine)).scalars().all():
        if await backups(db, signal_id, advisers, leaving=adviser_id):
            return True
    return False


def _fields(absence: Absence) -> dict[str, object]:
    return {
        "id": absence.id,
        "adviser_id": absence.adviser_id,
        "starts_on": absence.starts_on,
        "ends_on": absence.ends_on,
    }
