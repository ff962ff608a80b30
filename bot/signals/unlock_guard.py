"""Limits on guessing an adviser's passphrase online, shared by every replica.

Each attempt is *claimed* before Argon2id runs, in one atomic upsert: three attempts are
free, after that each claim sets a wait (1, 2, 4 … minutes, at most an hour) before the
next may run. A claim made while the wait lasts changes nothing and runs no Argon2id, so
concurrent guesses cannot slip past a check that has not been written yet. A successful
unlock ends the streak. The lock-out never lasts longer than the cap: only the adviser's
own chat account (or a server admin) can reach the unlock form, and the adviser must
never be kept from their signals for good.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Row, case, delete, literal, null, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import InputError
from bot.signals.models import FailedUnlockRow, UnlockGuardRow

FREE_ATTEMPTS = 3
FIRST_WAIT_MINUTES = 1
MAX_WAIT_MINUTES = 60


def wait_after(attempts: int) -> timedelta | None:
    """How long to wait after the ``attempts``-th attempt since the last success."""
    if attempts < FREE_ATTEMPTS:
        return None
    minutes = FIRST_WAIT_MINUTES * 2 ** (attempts - FREE_ATTEMPTS)
    return timedelta(minutes=min(minutes, MAX_WAIT_MINUTES))


def _capped_at() -> int:
    """The first attempt whose wait is the cap; every later one waits as long."""
    attempts = FREE_ATTEMPTS
    while wait_after(attempts) != timedelta(minutes=MAX_WAIT_MINUTES):
        attempts += 1
    return attempts


@dataclass(frozen=True, slots=True)
class FailedUnlocks:
    """Failed attempts since the last successful unlock, and the dates they happened on."""

    count: int = 0
    dates: tuple[date, ...] = ()


class UnlockGuard:
    def __init__(self, dialect: str) -> None:
        self._insert: Callable[..., Any] = (
            sqlite_insert if dialect == "sqlite" else postgresql_insert
        )

    async def claim(self, db: AsyncSession, adviser_id: str, now: datetime) -> None:
        """Count one attempt, or refuse it (nothing changed) while a wait lasts."""
        attempt = UnlockGuardRow.streak + 1
        waits = [
            (attempt == n, literal(now + wait, UnlockGuardRow.wait_until.type))
            for n in range(FREE_ATTEMPTS, _capped_at())
            if (wait := wait_after(n)) is not None
        ]
        capped = literal(now + timedelta(minutes=MAX_WAIT_MINUTES), UnlockGuardRow.wait_until.type)
        statement = self._insert(UnlockGuardRow).values(
            adviser_id=adviser_id, streak=1, wait_until=None
        )
        statement = statement.on_conflict_do_update(
            index_elements=["adviser_id"],
            set_={
                "streak": attempt,
                "wait_until": case((attempt < FREE_ATTEMPTS, null()), *waits, else_=capped),
            },
            where=or_(UnlockGuardRow.wait_until.is_(None), UnlockGuardRow.wait_until <= now),
        ).returning(UnlockGuardRow.streak)
        if (await db.execute(statement)).first() is None:
            raise InputError(
                "too many wrong passphrases: wait a few minutes (at most "
                f"{MAX_WAIT_MINUTES}) before the next attempt",
                code="unlock_wait",
            )

    async def failed(self, db: AsyncSession, adviser_id: str, on: date) -> None:
        """Remember a failed attempt by date, for the adviser's next unlock and digest."""
        statement = self._insert(FailedUnlockRow).values(adviser_id=adviser_id, on=on, count=1)
        await db.execute(
            statement.on_conflict_do_update(
                index_elements=["adviser_id", "on"], set_={"count": FailedUnlockRow.count + 1}
            )
        )

    async def succeeded(self, db: AsyncSession, adviser_id: str) -> FailedUnlocks:
        """End the streak; hand over (and forget) the failures since the last unlock."""
        await db.execute(
            update(UnlockGuardRow)
            .where(UnlockGuardRow.adviser_id == adviser_id)
            .values(streak=0, wait_until=None)
        )
        taken = await db.execute(
            delete(FailedUnlockRow)
            .where(FailedUnlockRow.adviser_id == adviser_id)
            .returning(FailedUnlockRow.on, FailedUnlockRow.count)
        )
        return _summed(taken.all())

    async def pending(self, db: AsyncSession, adviser_id: str) -> FailedUnlocks:
        """The failures since the last unlock, left in place."""
        query = select(FailedUnlockRow.on, FailedUnlockRow.count).where(
            FailedUnlockRow.adviser_id == adviser_id
        )
        return _summed((await db.execute(query)).all())


def _summed(rows: Iterable[Row[date, int]]) -> FailedUnlocks:
    found = sorted((on, int(count)) for on, count in rows)
    return FailedUnlocks(sum(count for _, count in found), tuple(on for on, _ in found))
