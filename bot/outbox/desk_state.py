"""What a digest lists: per adviser and per day, by short signal id and dates only.

For the responsible adviser: new signals (not yet acknowledged), new reporter messages
(after the adviser's last message and what they opened), acknowledgements due within two
days or overdue, and overdue feedback (due three months after the acknowledgement). For a
backup (an adviser who holds a wrap, is not responsible and did not recuse): signals whose
responsible adviser is not available today, and signals whose deadlines have passed. For
the admin: open signals waiting for an adviser, dead notices and the head of the audit chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox.models import DEAD, DeliveryRow
from bot.outbox.texts import Entry, Section
from bot.routing.models import AbsenceRow
from bot.seal import Author
from bot.signals.audit import HEAD_ID
from bot.signals.dates import acknowledge_by, feedback_by
from bot.signals.models import (
    AdviserRow,
    AuditHeadRow,
    MessageRow,
    SignalRecusalRow,
    SignalRow,
    SignalWrapRow,
)

SHORT_ID = 8  # hex characters of a signal id a digest shows
ACK_SOON_DAYS = 2  # "acknowledgement due within 2 days"
DEAD_LISTED = 20  # dead notices named in the admin's digest; the count says how many in all


def short(signal_id: str) -> str:
    return signal_id[:SHORT_ID]


@dataclass(frozen=True, slots=True)
class Deadlines:
    """An open signal's dates as of ``today``."""

    acknowledge_by: date | None  # None once acknowledged
    feedback_by: date | None  # None until acknowledged

    @classmethod
    def of(cls, row: SignalRow) -> Deadlines:
        if row.acknowledged_on is None:
            return cls(acknowledge_by(row.created_on), None)
        return cls(None, feedback_by(row.acknowledged_on))

    def overdue(self, today: date) -> date | None:
        """The passed deadline, if one has passed."""
        due = self.acknowledge_by or self.feedback_by
        return due if due is not None and due < today else None


async def away_on(db: AsyncSession, day: date) -> frozenset[str]:
    """Advisers with an absence covering ``day`` (both ends included)."""
    query = select(AbsenceRow.adviser_id).where(
        AbsenceRow.starts_on <= day, AbsenceRow.ends_on >= day
    )
    return frozenset((await db.execute(query)).scalars())


async def available_advisers(db: AsyncSession, day: date) -> frozenset[str]:
    """Active, enrolled advisers who are not away on ``day``."""
    query = select(AdviserRow.id).where(
        AdviserRow.active.is_(True), AdviserRow.keyring.is_not(None)
    )
    return frozenset((await db.execute(query)).scalars()) - await away_on(db, day)


async def adviser_sections(db: AsyncSession, adviser_id: str, today: date) -> list[Section]:
    available = await available_advisers(db, today)
    mine = await _open_signals(db, SignalRow.adviser_id == adviser_id)
    unread = await _unread(db, adviser_id, [row.id for row in mine])
    soon: list[Entry] = []
    overdue_ack: list[Entry] = []
    overdue_feedback: list[Entry] = []
    for row in mine:
        dates = Deadlines.of(row)
        if dates.acknowledge_by is not None:
            ahead = (dates.acknowledge_by - today).days
            target = overdue_ack if ahead < 0 else soon if ahead <= ACK_SOON_DAYS else None
            if target is not None:
                target.append(Entry(short(row.id), dates.acknowledge_by))
        elif dates.overdue(today):
            overdue_feedback.append(Entry(short(row.id), dates.feedback_by))
    away, late = await _as_backup(db, adviser_id, today, available)
    return [
        Section("new_signals", tuple(Entry(short(r.id)) for r in mine if not r.acknowledged_on)),
        Section("new_messages", tuple(Entry(short(i)) for i in sorted(unread))),
        Section("ack_soon", tuple(soon)),
        Section("ack_overdue", tuple(overdue_ack)),
        Section("feedback_overdue", tuple(overdue_feedback)),
        Section("backup_away", tuple(away)),
        Section("backup_overdue", tuple(late)),
    ]


async def admin_sections(db: AsyncSession, today: date) -> list[Section]:
    available = await available_advisers(db, today)
    active = await _active_ids(db)
    waiting: list[Entry] = []
    for row in await _open_signals(db, true()):
        if row.adviser_id in available:
            continue
        if row.adviser_id in active and await _stand_ins(db, row, available):
            continue  # away, but a backup who can read it is told in their digest
        waiting.append(Entry(short(row.id), row.created_on, since=True))
    dead = DeliveryRow.status == DEAD
    count = (await db.execute(select(func.count()).where(dead))).scalar_one()
    named = select(DeliveryRow.id).where(dead).order_by(DeliveryRow.id).limit(DEAD_LISTED)
    # Whole ids: ``meldwijzer outbox retry ID`` takes them as they are.
    listed = tuple(Entry(i) for i in (await db.execute(named)).scalars())
    head = await db.get(AuditHeadRow, HEAD_ID)
    sections = [
        Section("waiting", tuple(waiting)),
        Section("dead", listed, (("count", count),) * bool(count)),
    ]
    if head is not None and head.rows:
        sections.append(Section("audit", (), (("rows", head.rows), ("head", head.digest[:12]))))
    return sections


def has_news(sections: list[Section]) -> bool:
    """Whether anything but the audit head's standing facts is in the digest."""
    return any(s.entries or s.facts for s in sections if s.key != "audit")


async def _open_signals(db: AsyncSession, where: ColumnElement[bool]) -> list[SignalRow]:
    query = select(SignalRow).where(SignalRow.status == "open", where)
    return list((await db.execute(query.order_by(SignalRow.created_on, SignalRow.id))).scalars())


async def _unread(db: AsyncSession, adviser_id: str, signal_ids: list[str]) -> set[str]:
    """Signals with a reporter message (after the signal itself) the adviser has not opened,
    nor seen answered: what the desk counts as new."""
    if not signal_ids:
        return set()
    last_adviser = (
        select(MessageRow.signal_id, func.max(MessageRow.sequence).label("seq"))
        .where(MessageRow.signal_id.in_(signal_ids), MessageRow.author == Author.ADVISER.value)
        .group_by(MessageRow.signal_id)
        .subquery()
    )
    query = (
        select(MessageRow.signal_id)
        .outerjoin(last_adviser, last_adviser.c.signal_id == MessageRow.signal_id)
        .outerjoin(
            SignalWrapRow,
            (SignalWrapRow.signal_id == MessageRow.signal_id)
            & (SignalWrapRow.adviser_id == adviser_id),
        )
        .where(
            MessageRow.signal_id.in_(signal_ids),
            MessageRow.author == Author.REPORTER.value,
            MessageRow.sequence > func.coalesce(last_adviser.c.seq, 0),
            MessageRow.sequence > func.coalesce(SignalWrapRow.read_up_to, 0),
        )
        .distinct()
    )
    return set((await db.execute(query)).scalars())


async def _as_backup(
    db: AsyncSession, adviser_id: str, today: date, available: frozenset[str]
) -> tuple[list[Entry], list[Entry]]:
    recused = select(SignalRecusalRow.signal_id).where(SignalRecusalRow.adviser_id == adviser_id)
    held = select(SignalWrapRow.signal_id).where(SignalWrapRow.adviser_id == adviser_id)
    rows = await _open_signals(
        db,
        SignalRow.id.in_(held)
        & SignalRow.id.not_in(recused)
        & ((SignalRow.adviser_id != adviser_id) | SignalRow.adviser_id.is_(None)),
    )
    away: list[Entry] = []
    late: list[Entry] = []
    for row in rows:
        overdue = Deadlines.of(row).overdue(today)
        if row.adviser_id not in available:
            away.append(Entry(short(row.id)))
        elif overdue is not None:
            late.append(Entry(short(row.id), overdue))
    return away, late


async def _active_ids(db: AsyncSession) -> frozenset[str]:
    query = select(AdviserRow.id).where(AdviserRow.active.is_(True))
    return frozenset((await db.execute(query)).scalars())


async def _stand_ins(db: AsyncSession, row: SignalRow, available: frozenset[str]) -> bool:
    """Whether an available adviser other than the responsible one can read the signal."""
    recused = select(SignalRecusalRow.adviser_id).where(SignalRecusalRow.signal_id == row.id)
    query = select(SignalWrapRow.adviser_id).where(
        SignalWrapRow.signal_id == row.id,
        SignalWrapRow.adviser_id.not_in(recused),
        SignalWrapRow.adviser_id != row.adviser_id,
    )
    return any(h in available for h in (await db.execute(query)).scalars())
