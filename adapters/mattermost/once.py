"""Single use across replicas: the first claim of a value wins, every later one loses.

What is claimed (a button's nonce, a post id) is never stored: the row's key is an HMAC of
it under a key derived from the server secret, so a stolen database does not tell which
posts or clicks there were, and without the secret nobody can test a guessed id against
it. The expiry is rounded up to the hour, so it does not tell when someone acted either.

The claim is one ``INSERT … ON CONFLICT`` on the primary key: the database
decides which of two concurrent claims wrote the row (PostgreSQL's unique index, SQLite's
single writer), so two replicas receiving the same callback run it once between them.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, LargeBinary, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base
from bot.errors import StorageError
from bot.signals.models import NO_ROWID

_KEY_INFO = b"meldwijzer mattermost once"
_HOUR = timedelta(hours=1)


class OnceRow(Base):
    """One value that was used; ``digest`` is an HMAC of its kind and the value."""

    __tablename__ = "mattermost_once"
    __table_args__ = NO_ROWID

    digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    expires_on: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


def _claim_statement(db: AsyncSession, row: dict[str, object], now: datetime) -> Any:
    """INSERT, or take over a row whose claim has expired (not yet purged), in one statement.

    On a conflict PostgreSQL locks the existing row and re-checks the WHERE against its
    latest version ("INSERT … ON CONFLICT DO UPDATE", postgresql.org/docs/current/
    sql-insert.html), so of two claimers of the same expired row only one updates it; SQLite
    runs one writer at a time.
    """
    dialect: Any = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(OnceRow).values(**row)
    return statement.on_conflict_do_update(
        index_elements=[OnceRow.digest],
        set_={"expires_on": statement.excluded.expires_on},
        where=OnceRow.expires_on <= now,
    ).returning(OnceRow.digest)


def round_up_to_hour(moment: datetime) -> datetime:
    """The next full hour at or after ``moment`` (UTC)."""
    moment = moment.astimezone(UTC)
    floor = moment.replace(minute=0, second=0, microsecond=0)
    return floor if floor == moment else floor + _HOUR


class OnceStore:
    """Claims values once; ``purge`` forgets the ones whose expiry has passed."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], secret: bytes) -> None:
        self._sessions = sessions
        self._key = hmac.new(secret, _KEY_INFO, hashlib.sha256).digest()

    def digest(self, kind: str, value: str) -> bytes:
        # The unit separator keeps ("a", "b\x1fc") and ("a\x1fb", "c") apart.
        message = f"{kind}\x1f{value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()

    async def claim(
        self, kind: str, value: str, ttl: timedelta, *, now: datetime | None = None
    ) -> bool:
        """True for the first claimer of ``(kind, value)`` only, on every replica."""
        moment = now or datetime.now(UTC)
        row = {
            "digest": self.digest(kind, value),
            "expires_on": round_up_to_hour(moment + max(ttl, timedelta(0))),
        }
        try:
            async with self._sessions() as db, db.begin():
                written = (await db.execute(_claim_statement(db, row, moment))).first()
        except SQLAlchemyError as exc:
            raise StorageError("cannot record a single-use value") from exc
        # RETURNING gives the row when this statement wrote (or took over) it, nothing when
        # it was held (psycopg reports no rowcount for an upsert through SQLAlchemy).
        return written is not None

    async def purge(self, now: datetime | None = None) -> int:
        """Delete every claim whose expiry has passed; returns how many went."""
        moment = now or datetime.now(UTC)
        try:
            async with self._sessions() as db, db.begin():
                result = await db.execute(delete(OnceRow).where(OnceRow.expires_on <= moment))
        except SQLAlchemyError as exc:
            raise StorageError("cannot purge single-use values") from exc
        return int(getattr(result, "rowcount", 0) or 0)
