"""Rate limits on receipt look-ups, shared through the database by every replica.

Receipts have 100 bits, so guessing is hopeless anyway; the limit keeps a misbehaving
client from making the server run Argon2id without end.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import RateLimited
from bot.signals.models import AttemptRow

WINDOW_SECONDS = 15 * 60
PER_CONVERSATION = 5
EVERYONE = "*"
PER_DEPLOYMENT = 500


class AttemptLimiter:
    """Counts failed look-ups per conversation (by its keyed hash) and in total."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def check(self, bucket: str, now: datetime) -> None:
        window = _window(now)
        async with self._sessions() as db:
            rows = await db.execute(
                select(AttemptRow.bucket, AttemptRow.count).where(
                    AttemptRow.window == window, AttemptRow.bucket.in_((bucket, EVERYONE))
                )
            )
            counts = {str(key): int(count) for key, count in rows.all()}
        if counts.get(bucket, 0) >= PER_CONVERSATION or counts.get(EVERYONE, 0) >= PER_DEPLOYMENT:
            raise RateLimited("too many receipt attempts")

    async def failed(self, bucket: str, now: datetime) -> None:
        window = _window(now)
        async with self._sessions.begin() as db:
            for key in (bucket, EVERYONE):
                row = await db.get(AttemptRow, (key, window))
                if row is None:
                    db.add(AttemptRow(bucket=key, window=window, count=1))
                else:
                    row.count += 1
            await db.execute(
                AttemptRow.__table__.delete().where(AttemptRow.window < window - 1)  # type: ignore[attr-defined]
            )


def _window(now: datetime) -> int:
    return int(now.timestamp()) // WINDOW_SECONDS
