"""The audit log of adviser actions: no content, each row chained to the one before.

``digest = SHA-256(previous digest ‖ date ‖ adviser ‖ action ‖ signal)``; changing or
removing a row breaks every digest after it. Cutting rows off the *end* leaves a valid
shorter chain, so ``verify`` also prints the head digest for the admin to note elsewhere
(e.g. in the daily operations log) and compare later.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.signals.models import AuditRow

GENESIS = "0" * 64
ACTIONS = frozenset({"unlock", "open", "reply", "ask", "close", "recuse"})


def chain_digest(previous: str, on: date, adviser_id: str, action: str, signal_id: str) -> str:
    fields = (previous, on.isoformat(), adviser_id, action, signal_id)
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditReport:
    rows: int
    head: str
    broken_at: int | None  # id of the first row that does not fit the chain

    @property
    def intact(self) -> bool:
        return self.broken_at is None


async def append(db: AsyncSession, on: date, adviser_id: str, action: str, signal_id: str) -> None:
    """Add a row inside the caller's transaction, so the action and its record land together."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    last = (
        await db.execute(select(AuditRow.digest).order_by(AuditRow.id.desc()).limit(1))
    ).scalar_one_or_none()
    previous = last or GENESIS
    digest = chain_digest(previous, on, adviser_id, action, signal_id)
    db.add(
        AuditRow(
            on=on,
            adviser_id=adviser_id,
            action=action,
            signal_id=signal_id,
            previous=previous,
            digest=digest,
        )
    )
    # Flush now: the unique digest makes two writers racing for the same tail fail loudly
    # instead of forking the chain.
    await db.flush()


async def verify(sessions: async_sessionmaker[AsyncSession]) -> AuditReport:
    previous = GENESIS
    count = 0
    async with sessions() as db:
        rows = (await db.execute(select(AuditRow).order_by(AuditRow.id))).scalars()
        for row in rows:
            expected = chain_digest(previous, row.on, row.adviser_id, row.action, row.signal_id)
            if row.previous != previous or row.digest != expected:
                return AuditReport(count, previous, broken_at=row.id)
            previous = row.digest
            count += 1
    return AuditReport(count, previous, broken_at=None)
