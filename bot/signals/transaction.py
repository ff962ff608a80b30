"""Audited transactions, retried when concurrent writers collide instead of failing the turn."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import StorageError

T = TypeVar("T")
ATTEMPTS = 5
FIRST_PAUSE_SECONDS = 0.02


async def in_transaction(
    sessions: async_sessionmaker[AsyncSession], work: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    """Run ``work`` in one transaction; a collision rolls it back and runs it again.

    The audit head serialises audited writers, so collisions are rare: SQLite's busy
    timeout running out under a burst, or a PostgreSQL serialisation failure. Our own
    errors (bad input, not yours) are not collisions and pass straight through.
    """
    for attempt in range(ATTEMPTS):
        try:
            async with sessions.begin() as db:
                return await work(db)
        except (OperationalError, IntegrityError) as exc:
            if attempt == ATTEMPTS - 1:
                raise StorageError("the database stayed busy; try again") from exc
            await asyncio.sleep(FIRST_PAUSE_SECONDS * 2**attempt)
    raise AssertionError("unreachable")
