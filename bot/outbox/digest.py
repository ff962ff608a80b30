"""The daily digest: once per recipient and local date, over any number of replicas.

Every replica's planner ticks; once the digest hour has come on a notice day, each one tries
to insert ``digest_runs(recipient, local_date)`` with ON CONFLICT DO NOTHING. Only the
transaction whose insert took effect writes that recipient's digest deliveries (one per
channel), in the same transaction, so a crash keeps both or neither and no two replicas
both send. What the digest lists is read when it is sent (``bot.outbox.compose``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy import Insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import StorageError
from bot.outbox.desk_state import available_advisers
from bot.outbox.models import ADMIN, DIGEST, PENDING, DeliveryRow, DigestRunRow
from bot.outbox.port import EMAIL, LOG
from bot.outbox.schedule import NoticeSchedule
from bot.settings import Settings
from bot.signals.models import AdviserRow
from bot.signals.registry import Adviser

Channels = Callable[[Adviser], Sequence[str]]


def digest_key(recipient: str, channel: str, local_date: date) -> str:
    return hashlib.sha256(f"digest|{recipient}|{channel}|{local_date}".encode()).hexdigest()


def admin_channels(settings: Settings) -> tuple[str, ...]:
    """E-mail when the admin gave an address and SMTP is set up; the serve log otherwise."""
    return (EMAIL,) if settings.admin_email and settings.smtp_host else (LOG,)


def insert_ignoring_conflicts(db: AsyncSession, table: type[object]) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING in the session's dialect."""
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()  # type: ignore[no-any-return]


class DigestPlanner:
    """Starts each recipient's digest of the day; ``tick`` is cheap once all have started."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        schedule: NoticeSchedule,
        channels: Channels,
        admin: Sequence[str] = (LOG,),
    ) -> None:
        self._sessions = sessions
        self._schedule = schedule
        self._channels = channels  # the lead's ``notice_channels`` with what is enabled
        self._admin = tuple(admin)

    async def tick(self, now: datetime) -> int:
        """Start the digests due at ``now``; returns how many recipients this call started."""
        day = self._schedule.digest_due(now)
        if day is None:
            return 0
        started = 0
        try:
            for recipient, channels in await self._waiting(day):
                started += await self._start(recipient, channels, day, now)
        except SQLAlchemyError as exc:
            # A StorageError, which the serving loop logs and outlives; a raw database error
            # would end its task (and every digest after it) and log the SQL on the way out.
            raise StorageError("cannot start the digests") from exc
        return started

    async def _waiting(self, day: date) -> list[tuple[str, tuple[str, ...]]]:
        """Recipients of today's digest who have none yet: advisers not away, and the admin."""
        async with self._sessions() as db:
            done = select(DigestRunRow.recipient).where(DigestRunRow.local_date == day)
            started = set((await db.execute(done)).scalars())
            available = await available_advisers(db, day)
            rows = (await db.execute(select(AdviserRow).order_by(AdviserRow.id))).scalars()
            advisers = [Adviser.of(row) for row in rows if row.id in available]
        recipients = [(a.id, tuple(self._channels(a))) for a in advisers]
        if self._admin:
            recipients.append((ADMIN, self._admin))
        return [(r, channels) for r, channels in recipients if r not in started and channels]

    async def _start(
        self, recipient: str, channels: tuple[str, ...], day: date, now: datetime
    ) -> int:
        async with self._sessions.begin() as db:
            run = insert_ignoring_conflicts(db, DigestRunRow).values(
                recipient=recipient, local_date=day
            )
            won = (await db.execute(run.returning(DigestRunRow.recipient))).first()
            if won is None:
                return 0  # another replica (or an earlier tick) started it
            for channel in channels:
                delivery = insert_ignoring_conflicts(db, DeliveryRow).values(
                    id=secrets.token_hex(16),
                    kind=DIGEST,
                    recipient=recipient,
                    channel=channel,
                    local_date=day,
                    idempotency_key=digest_key(recipient, channel, day),
                    status=PENDING,
                    attempts=0,
                    next_attempt_at=now,
                )
                await db.execute(delivery)
        return 1
