"""Reading and writing one signal's sealed thread, given its private key."""

from __future__ import annotations

from datetime import date

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.seal import CONTENT_SEQUENCE, Author, open_message, seal_message
from bot.signals.content import SignalContent, SignalView, ThreadEntry, ThreadMessage
from bot.signals.models import MessageRow, SignalRow


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
