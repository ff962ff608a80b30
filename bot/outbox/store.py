"""The outbox table as a queue: claim due notices under a lease, then mark what became of them.

A claim is one statement, ``UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)
RETURNING …``: on PostgreSQL rows another replica holds are skipped, not waited for, so
several workers share the queue without ever holding the same row (PostgreSQL manual,
SELECT, "The Locking Clause"). SQLite renders no ``FOR UPDATE``; it runs one writer at a
time, and one statement is atomic there too. A ``sending`` row whose lease ran out is due
again: the worker that held it died or hung, and the notice is not lost.

Each claim adds one to ``attempts``; the marks that follow name the attempt they belong to,
so a worker that outlived its lease cannot overwrite what the worker that took over wrote.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Update, and_, delete, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import InputError, StorageError
from bot.outbox.models import DEAD, PENDING, SENDING, SENT, DeliveryItemRow, DeliveryRow
from bot.outbox.policy import RandomSource, RetryPolicy

ID_PREFIX = re.compile(r"[0-9a-f]{8,32}")
# What ``last_error`` says when a lease ran out on the last allowed attempt.
LEASE_EXPIRED = "lease_expired"


@dataclass(frozen=True, slots=True)
class DeliveryView:
    """What ``outbox list`` shows of a notice: ids, kind, state; no content exists to show."""

    id: str
    kind: str
    recipient: str
    channel: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None

    @classmethod
    def of(cls, row: DeliveryRow) -> DeliveryView:
        return cls(
            row.id,
            row.kind,
            row.recipient,
            row.channel,
            row.status,
            row.attempts,
            utc(row.next_attempt_at),
            row.last_error,
        )


@dataclass(frozen=True, slots=True)
class Failure:
    """Why an attempt failed: a short code (an HTTP or SMTP status, a platform error name),
    never the message, the address or anything the channel echoed back."""

    code: str
    retryable: bool


def utc(moment: datetime) -> datetime:
    """Every time the outbox stores is UTC: SQLite keeps no offset, it compares text."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _due(now: datetime) -> object:
    pending = and_(DeliveryRow.status == PENDING, DeliveryRow.next_attempt_at <= now)
    lapsed = and_(DeliveryRow.status == SENDING, DeliveryRow.lease_until <= now)
    return or_(pending, lapsed)


class OutboxStore:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        policy: RetryPolicy,
        rng: RandomSource | None = None,
    ) -> None:
        self._sessions = sessions
        self._policy = policy
        # Jitter needs no secrecy, only spread; tests pass a seeded or fixed source.
        self._rng: RandomSource = rng or random.Random()  # noqa: S311

    @property
    def policy(self) -> RetryPolicy:
        return self._policy

    async def claim(self, now: datetime, limit: int) -> list[DeliveryRow]:
        """Up to ``limit`` due notices, now ``sending`` under a lease and one attempt more."""
        now = utc(now)
        try:
            async with self._sessions.begin() as db:
                await self._bury_exhausted_leases(db, now)
                due = (
                    select(DeliveryRow.id)
                    .where(_due(now))  # type: ignore[arg-type]
                    .order_by(DeliveryRow.next_attempt_at)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
                claimed = await db.scalars(
                    update(DeliveryRow)
                    .where(DeliveryRow.id.in_(due.scalar_subquery()))
                    .values(
                        status=SENDING,
                        lease_until=now + self._policy.lease,
                        attempts=DeliveryRow.attempts + 1,
                    )
                    .returning(DeliveryRow)
                    .execution_options(synchronize_session=False)
                )
                rows = list(claimed)
        except SQLAlchemyError as exc:
            raise StorageError("cannot claim notices from the outbox") from exc
        for row in rows:
            row.next_attempt_at = utc(row.next_attempt_at)
            row.lease_until = utc(row.lease_until) if row.lease_until else None
        return rows

    async def _bury_exhausted_leases(self, db: AsyncSession, now: datetime) -> None:
        """A lease that ran out on the last allowed attempt: the notice is dead, not retried."""
        await db.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.status == SENDING,
                DeliveryRow.lease_until <= now,
                DeliveryRow.attempts >= self._policy.max_attempts,
            )
            .values(status=DEAD, lease_until=None, last_error=LEASE_EXPIRED)
            .execution_options(synchronize_session=False)
        )

    async def items(self, db: AsyncSession, delivery_id: str) -> list[DeliveryItemRow]:
        found = await db.scalars(
            select(DeliveryItemRow)
            .where(DeliveryItemRow.delivery_id == delivery_id)
            .order_by(DeliveryItemRow.item_key)
        )
        return list(found)

    async def mark_sent(self, delivery: DeliveryRow) -> bool:
        """False if the lease was lost to another worker (which then owns the row)."""
        return delivery.id in await self.mark_all_sent([delivery])

    async def mark_all_sent(self, deliveries: list[DeliveryRow]) -> set[str]:
        """Sent, in one transaction (one commit, one flush to disk, for a whole round);
        returns the ids that were still held, the others were lost to another worker."""
        if not deliveries:
            return set()
        marked = set()
        try:
            async with self._sessions.begin() as db:
                for delivery in deliveries:
                    result = await db.execute(
                        self._held(delivery).values(status=SENT, lease_until=None, last_error=None)
                    )
                    if getattr(result, "rowcount", 0):
                        marked.add(delivery.id)
                if marked:
                    # Told is told: the items would tie each signal to its notice window,
                    # finer than the signal's date, for as long as the sent row is kept.
                    await db.execute(
                        delete(DeliveryItemRow).where(DeliveryItemRow.delivery_id.in_(marked))
                    )
        except SQLAlchemyError as exc:
            raise StorageError("cannot record sent notices") from exc
        return marked

    async def release(self, deliveries: list[DeliveryRow]) -> int:
        """Hand back the leases of notices a stopping worker had not finished: due again at
        once, for any worker, and the attempt the stop cut short not counted. Only rows this
        claim still holds change (a notice already marked keeps its mark); returns how many.
        A notice that did reach its recipient is sent again under the same idempotency key,
        as after a lease that ran out."""
        released = 0
        try:
            async with self._sessions.begin() as db:
                for delivery in deliveries:
                    result = await db.execute(
                        self._held(delivery).values(
                            status=PENDING, lease_until=None, attempts=DeliveryRow.attempts - 1
                        )
                    )
                    released += getattr(result, "rowcount", 0)
        except SQLAlchemyError as exc:
            raise StorageError("cannot hand back the outbox leases") from exc
        return released

    async def mark_failed(
        self, delivery: DeliveryRow, failure: Failure, now: datetime
    ) -> str | None:
        """Back to ``pending`` after a jittered wait, or ``dead``; returns the new status,
        None if the lease was lost to another worker."""
        if not failure.retryable or self._policy.exhausted(delivery.attempts):
            dead = await self._mark(
                delivery, status=DEAD, lease_until=None, last_error=failure.code
            )
            return DEAD if dead else None
        retry_at = utc(now) + self._policy.backoff(delivery.attempts, self._rng)
        retrying = await self._mark(
            delivery,
            status=PENDING,
            lease_until=None,
            next_attempt_at=retry_at,
            last_error=failure.code,
        )
        return PENDING if retrying else None

    async def _mark(self, delivery: DeliveryRow, **values: object) -> bool:
        values["last_error"] = _short(values.get("last_error"))
        try:
            async with self._sessions.begin() as db:
                result = await db.execute(self._held(delivery).values(**values))
        except SQLAlchemyError as exc:
            raise StorageError("cannot record the outcome of a notice") from exc
        return bool(getattr(result, "rowcount", 0))

    def _held(self, delivery: DeliveryRow) -> Update:
        """An update of the row only while this claim (this attempt) still holds it."""
        return (
            update(DeliveryRow)
            .where(
                DeliveryRow.id == delivery.id,
                DeliveryRow.status == SENDING,
                DeliveryRow.attempts == delivery.attempts,
            )
            .execution_options(synchronize_session=False)
        )

    async def list_notices(self, *, dead_only: bool = False) -> list[DeliveryView]:
        """Notices not yet purged, the next due first; ``dead_only`` for the dead ones."""
        query = select(DeliveryRow).order_by(DeliveryRow.next_attempt_at, DeliveryRow.id)
        if dead_only:
            query = query.where(DeliveryRow.status == DEAD)
        try:
            async with self._sessions() as db:
                return [DeliveryView.of(row) for row in await db.scalars(query)]
        except SQLAlchemyError as exc:
            raise StorageError("cannot read the outbox") from exc

    async def retry(self, id_or_prefix: str, now: datetime) -> str:
        """A dead notice is due again at once; returns its full id.

        ``attempts`` stays: a retried notice gets one more attempt (dead again if it fails),
        and a notice that was ever tried is never given new items (its receiver may hold it).
        """
        prefix = id_or_prefix.strip().lower()
        if not ID_PREFIX.fullmatch(prefix):
            raise InputError("a notice id is 8 to 32 hexadecimal characters", code="bad_id")
        try:
            async with self._sessions.begin() as db:
                found = list(
                    await db.scalars(select(DeliveryRow).where(DeliveryRow.id.startswith(prefix)))
                )
                if len(found) != 1:
                    many = "more than one notice" if found else "no notice"
                    raise InputError(f"{many} with id {prefix}", code="bad_id")
                (row,) = found
                if row.status != DEAD:
                    raise InputError(f"notice {row.id} is {row.status}, not dead", code="bad_id")
                row.status, row.next_attempt_at = PENDING, utc(now)
        except SQLAlchemyError as exc:
            raise StorageError("cannot retry the notice") from exc
        return row.id

    async def retry_all_dead(self, now: datetime) -> int:
        try:
            async with self._sessions.begin() as db:
                result = await db.execute(
                    update(DeliveryRow)
                    .where(DeliveryRow.status == DEAD)
                    .values(status=PENDING, next_attempt_at=utc(now))
                    .execution_options(synchronize_session=False)
                )
        except SQLAlchemyError as exc:
            raise StorageError("cannot retry the dead notices") from exc
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge_sent(self, now: datetime) -> int:
        """Sent notices older than the keep period go, with their items."""
        cutoff = utc(now) - timedelta(days=self._policy.sent_keep_days)
        old = select(DeliveryRow.id).where(
            DeliveryRow.status == SENT, DeliveryRow.next_attempt_at < cutoff
        )
        try:
            async with self._sessions.begin() as db:
                # Items first: PostgreSQL cascades, but explicit deletes keep SQLite honest
                # when foreign keys were switched off by an operator's tool.
                await db.execute(
                    delete(DeliveryItemRow).where(DeliveryItemRow.delivery_id.in_(old))
                )
                result = await db.execute(
                    delete(DeliveryRow).where(
                        DeliveryRow.status == SENT, DeliveryRow.next_attempt_at < cutoff
                    )
                )
        except SQLAlchemyError as exc:
            raise StorageError("cannot purge sent notices") from exc
        return int(getattr(result, "rowcount", 0) or 0)


def _short(code: object) -> str | None:
    return None if code is None else str(code)[:200]
