"""Reading and writing one signal's sealed thread, given its private key; one writer at a time."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from datetime import date
from typing import TypeVar

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import StorageError
from bot.seal import CONTENT_SEQUENCE, Author, open_message, seal_message
from bot.signals.content import SignalContent, SignalView, ThreadEntry, ThreadMessage
from bot.signals.models import MessageRow, SignalRow
from bot.signals.writer import SignalWriter

T = TypeVar("T")
WRITE_ATTEMPTS = 30


async def read_signal(db: AsyncSession, row: SignalRow, key: X25519PrivateKey) -> SignalView:
    """Open the content and every message; a tampered or moved message raises CryptoError."""
    messages = (
        await db.execute(
            select(MessageRow).where(MessageRow.signal_id == row.id).order_by(MessageRow.sequence)
        )
    ).scalars()
    content: SignalContent | None = None
    thread = []
    for message in messages:
        plain = open_message(
            key,
            message.sealed,
            signal_id=row.id,
            sequence=message.sequence,
            author=Author(message.author),
        )
        if message.sequence == CONTENT_SEQUENCE:
            content = SignalContent.from_bytes(plain)
        else:
            entry = ThreadEntry(
                message.sequence,
                message.author,
                message.created_on,
                ThreadMessage.from_bytes(plain),
            )
            thread.append(entry)
    if content is None:
        content = SignalContent(what="")
    return SignalView(row.id, row.status, row.created_on, content, tuple(thread))


def add_message(
    db: AsyncSession,
    row: SignalRow,
    key: X25519PrivateKey,
    author: Author,
    message: ThreadMessage,
    today: date,
) -> int:
    """Seal and add the next message; the caller's transaction commits it."""
    sequence = row.next_sequence
    sealed = seal_message(
        key, message.to_bytes(), signal_id=row.id, sequence=sequence, author=author
    )
    db.add(
        MessageRow(
            signal_id=row.id,
            sequence=sequence,
            author=author.value,
            created_on=today,
            sealed=sealed,
        )
    )
    row.next_sequence = sequence + 1
    return sequence


async def write_thread(
    sessions: async_sessionmaker[AsyncSession],
    signal_id: str,
    work: Callable[[AsyncSession], Awaitable[T]],
    writer: SignalWriter | None = None,
) -> T:
    """Run ``work`` in one transaction that holds the signal's row; retried on a clash.

    Two writers to one thread (a reporter adding while an adviser replies) would both read
    ``next_sequence`` and one would fail on (signal_id, sequence). So the transaction first
    takes the row: PostgreSQL ``SELECT … FOR UPDATE``; SQLite an UPDATE that changes
    nothing, which makes the transaction a writer before it reads (like ``BEGIN
    IMMEDIATE``: https://www.sqlite.org/lang_transaction.html). Should a clash still get
    through (another replica's SQLite busy timeout, a PostgreSQL serialization failure),
    the whole transaction runs again, re-reading everything; ``work`` must not have side
    effects outside the session. ``writer`` first queues SQLite writers in this process
    (as urgent: whoever writes has proven their receipt or adviser session).
    """
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            async with (
                writer.turn(urgent=True) if writer else nullcontext(),
                sessions.begin() as db,
            ):
                await _hold_signal(db, signal_id)
                return await work(db)
        except (IntegrityError, OperationalError) as exc:
            if attempt == WRITE_ATTEMPTS or not _clash(exc):
                raise StorageError("cannot write to the thread") from exc
        await asyncio.sleep(random.uniform(0, min(0.05, 0.002 * attempt)))  # noqa: S311
    raise AssertionError("unreachable")


async def _hold_signal(db: AsyncSession, signal_id: str) -> None:
    if db.get_bind().dialect.name == "sqlite":
        await db.execute(
            update(SignalRow)
            .where(SignalRow.id == signal_id)
            .values(next_sequence=SignalRow.next_sequence)
        )
    else:
        await db.execute(select(SignalRow.id).where(SignalRow.id == signal_id).with_for_update())


def _clash(exc: IntegrityError | OperationalError) -> bool:
    """A conflict between concurrent writers, which a fresh attempt resolves."""
    if isinstance(exc, IntegrityError):
        return True
    # 40001 serialization_failure, 40P01 deadlock_detected (PostgreSQL appendix A);
    # SQLite says "database is locked" when its busy timeout ran out.
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate in {"40001", "40P01"} or "locked" in str(exc.orig)
