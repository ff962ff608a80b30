"""Who takes a signal over: only advisers who can already read it, never one who recused.

Used when an adviser recuses and when one is disabled. Nobody new is ever wrapped in: an
adviser registered after the submission never gains access through a hand-over, so the
reporter's choice of who may read their signal (made at submission) stays what it was.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.routing.select import successor
from bot.signals.models import AdviserRow, SignalRecusalRow, SignalRow, SignalWrapRow
from bot.signals.registry import Adviser


@dataclass(frozen=True, slots=True)
class Handover:
    """What disabling an adviser did with the signals they were responsible for."""

    adviser: str
    moved: int
    stranded: tuple[str, ...]  # open signals nobody else can read: they wait with them


async def backups(
    db: AsyncSession, signal_id: str, advisers: Mapping[str, Adviser], *, leaving: str
) -> list[Adviser]:
    """Active advisers holding a wrap of the signal, except ``leaving`` and recusers."""
    holders = select(SignalWrapRow.adviser_id).where(SignalWrapRow.signal_id == signal_id)
    recused = select(SignalRecusalRow.adviser_id).where(SignalRecusalRow.signal_id == signal_id)
    gone = set((await db.execute(recused)).scalars()) | {leaving}
    return [
        advisers[h]
        for h in (await db.execute(holders)).scalars()
        if h not in gone and h in advisers and advisers[h].active and advisers[h].enrolled
    ]


async def hand_over(
    db: AsyncSession,
    adviser_id: str,
    advisers: Mapping[str, Adviser],
    load: dict[str, int],
    away: Collection[str] = frozenset(),
) -> tuple[list[str], list[str]]:
    """Move the adviser's open signals to backups (present ones first); returns (moved,
    stranded) signal ids."""
    mine = select(SignalRow).where(SignalRow.adviser_id == adviser_id, SignalRow.status == "open")
    moved: list[str] = []
    stranded: list[str] = []
    for row in (await db.execute(mine.order_by(SignalRow.id))).scalars().all():
        pool = await backups(db, row.id, advisers, leaving=adviser_id)
        if not pool:
            stranded.append(row.id)
            continue
        taker = successor(pool, load, away)
        load[taker.id] = load.get(taker.id, 0) + 1
        row.adviser_id = taker.id
        moved.append(row.id)
    return moved, stranded


async def lapsed_advisers(db: AsyncSession, today: date, grace_days: int) -> list[str]:
    """Advisers disabled at least ``grace_days`` ago who still hold wraps."""
    cutoff = today - timedelta(days=grace_days)
    holds = exists().where(SignalWrapRow.adviser_id == AdviserRow.id)
    query = select(AdviserRow.id).where(
        AdviserRow.active.is_(False), AdviserRow.disabled_on <= cutoff, holds
    )
    return list((await db.execute(query.order_by(AdviserRow.id))).scalars())


async def remove_wraps(db: AsyncSession, adviser_id: str) -> None:
    await db.execute(delete(SignalWrapRow).where(SignalWrapRow.adviser_id == adviser_id))
