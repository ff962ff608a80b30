"""The audit log of adviser actions: no content, each row chained to the one before.

``digest = HMAC-SHA256(K_audit, previous ‖ position ‖ date ‖ adviser ‖ action ‖ signal)``
with ``K_audit`` a subkey of the server secret (version 2 rows). Rows written before the
chain was keyed keep their plain SHA-256 digest (version 1); the first keyed row chains onto
the last of them, so they cannot be rewritten without breaking it.

Writers first update the one-row ``audit_head`` table (PostgreSQL: a row lock until commit;
SQLite: the database's write lock), so two actions can never chain onto the same tail.
Cutting rows off the end leaves a valid shorter chain; ``meldwijzer audit head`` exports the
head for the admin to keep elsewhere and ``verify --head`` compares against it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import InputError
from bot.signals.models import AuditHeadRow, AuditRow

GENESIS = "0" * 64
HEAD_ID = 1
LEGACY, KEYED = 1, 2
NO_SIGNAL = "-"
ACTIONS = frozenset(
    {
        "unlock",
        "failed_unlock",
        "open",
        "reply",
        "ask",
        "close",
        "recuse",
        "rotate_key",
        "disable",
        "reassign",
        "remove_wraps",
        "acknowledge",
        "away",
        "away_cancel",
        "long_absence",
    }
)
_DIGEST = re.compile(r"[0-9a-f]{64}")
_EXPORTED = re.compile(r"rows=(\d+)\s+digest=([0-9a-f]{64})")


def legacy_digest(previous: str, on: date, adviser_id: str, action: str, signal_id: str) -> str:
    fields = (previous, on.isoformat(), adviser_id, action, signal_id)
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditHead:
    """The chain's end: what the admin exports and later compares against."""

    rows: int
    digest: str
    on: date | None = None

    def line(self) -> str:
        on = self.on.isoformat() if self.on else "-"
        return f"audit head: rows={self.rows} digest={self.digest} on={on}"

    @classmethod
    def parse(cls, text: str) -> AuditHead | str:
        """An exported head line, or a bare digest (returned as a string)."""
        found = _EXPORTED.search(text)
        if found:
            return cls(int(found.group(1)), found.group(2))
        digest = text.strip().lower()
        if _DIGEST.fullmatch(digest):
            return digest
        raise InputError(
            "not an exported audit head: give the file `audit head` wrote, or a digest"
        )


@dataclass(frozen=True, slots=True)
class AuditReport:
    rows: int
    head: str
    broken_at: int | None = None  # id of the first row that does not fit the chain
    problem: str = ""

    @property
    def intact(self) -> bool:
        return not self.problem


class AuditChain:
    """Appends to and verifies the keyed chain."""

    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, b"audit-chain", hashlib.sha256).digest()

    def digest(
        self, previous: str, position: int, on: date, adviser_id: str, action: str, signal: str
    ) -> str:
        fields = (previous, str(position), on.isoformat(), adviser_id, action, signal)
        return hmac.new(self._key, "\x1f".join(fields).encode(), hashlib.sha256).hexdigest()

    async def append(
        self, db: AsyncSession, on: date, adviser_id: str, action: str, signal_id: str
    ) -> None:
        """Add a row inside the caller's transaction, so the action and its record land together.

        Call it before the transaction reads anything else: on SQLite a transaction that read
        first cannot take the write lock once another writer committed (SQLITE_BUSY_SNAPSHOT).
        """
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        position, previous = await _advance_head(db)
        digest = self.digest(previous, position, on, adviser_id, action, signal_id)
        await db.execute(
            update(AuditHeadRow).where(AuditHeadRow.id == HEAD_ID).values(digest=digest, on=on)
        )
        db.add(
            AuditRow(
                on=on,
                adviser_id=adviser_id,
                action=action,
                signal_id=signal_id,
                previous=previous,
                digest=digest,
                version=KEYED,
            )
        )
        await db.flush()

    async def head(self, sessions: async_sessionmaker[AsyncSession]) -> AuditHead:
        async with sessions() as db:
            row = await db.get(AuditHeadRow, HEAD_ID)
        if row is None:
            return AuditHead(0, GENESIS)
        return AuditHead(row.rows, row.digest, row.on)

    async def verify(
        self, sessions: async_sessionmaker[AsyncSession], exported: AuditHead | str | None = None
    ) -> AuditReport:
        """Check every row, the stored head and, if given, an exported head."""
        previous, position, keyed, seen = GENESIS, 0, False, False
        expected = exported if isinstance(exported, AuditHead) else None
        async with sessions() as db:
            stored = await db.get(AuditHeadRow, HEAD_ID)
            rows = (await db.execute(select(AuditRow).order_by(AuditRow.id))).scalars()
            for row in rows:
                position += 1
                keyed = keyed or row.version == KEYED
                if not self._fits(row, previous, position, keyed):
                    return AuditReport(position - 1, previous, row.id, "a row does not fit")
                if expected and position == expected.rows and row.digest != expected.digest:
                    return AuditReport(position, row.digest, row.id, "not the exported head")
                seen = seen or row.digest == exported
                previous = row.digest
        return self._ends(AuditReport(position, previous), stored, expected, exported, seen)

    def _fits(self, row: AuditRow, previous: str, position: int, keyed: bool) -> bool:
        if row.previous != previous:
            return False
        fields = (row.on, row.adviser_id, row.action, row.signal_id)
        if row.version == KEYED:
            return hmac.compare_digest(row.digest, self.digest(previous, position, *fields))
        # Legacy rows only before the first keyed one: else a forger could write them.
        return (
            row.version == LEGACY and not keyed and row.digest == legacy_digest(previous, *fields)
        )

    @staticmethod
    def _ends(
        report: AuditReport,
        stored: AuditHeadRow | None,
        expected: AuditHead | None,
        exported: AuditHead | str | None,
        seen: bool,
    ) -> AuditReport:
        if stored is not None and (stored.rows, stored.digest) != (report.rows, report.head):
            return AuditReport(report.rows, report.head, None, "the chain ends before its head")
        if expected and report.rows < expected.rows:
            problem = f"fewer rows ({report.rows}) than the exported head ({expected.rows})"
            return AuditReport(report.rows, report.head, None, problem)
        if isinstance(exported, str) and not seen:
            return AuditReport(report.rows, report.head, None, "the exported head is not in it")
        return report


async def _advance_head(db: AsyncSession) -> tuple[int, str]:
    """Take the head's lock by bumping its count; returns the new position and last digest."""
    bump = (
        update(AuditHeadRow)
        .where(AuditHeadRow.id == HEAD_ID)
        .values(rows=AuditHeadRow.rows + 1)
        .returning(AuditHeadRow.rows, AuditHeadRow.digest)
    )
    # Database errors pass through unchanged: a collision is retried by the caller's
    # transaction (bot.signals.transaction), which maps what remains to StorageError.
    found = (await db.execute(bump)).one_or_none()
    if found is None:
        # The head row went missing (a restored dump, an operator's tool): start it again
        # at the chain's end; verify still reports anything cut before this.
        count = (await db.execute(select(func.count()).select_from(AuditRow))).scalar_one()
        last = (
            await db.execute(select(AuditRow.digest).order_by(AuditRow.id.desc()).limit(1))
        ).scalar_one_or_none()
        db.add(AuditHeadRow(id=HEAD_ID, rows=count, digest=last or GENESIS))
        await db.flush()
        found = (await db.execute(bump)).one()
    return int(found.rows), str(found.digest)
