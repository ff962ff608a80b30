"""A new key pair for an adviser, with every signal they can read re-wrapped to it.

All in one transaction: each signal key is unwrapped with the old private key and wrapped to
the new public key, the keyring (passphrase wrap and, if configured, recovery wrap) is
replaced, and the adviser's open sessions end, since they hold the old key.
"""

from __future__ import annotations

import json
from datetime import date

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.seal import AdviserKeyring, AdviserRecipient, open_signal_key_as_adviser, wrap_for_adviser
from bot.signals.audit import NO_SIGNAL, AuditChain
from bot.signals.models import AdviserRow, SignalRow, SignalWrapRow
from bot.signals.transaction import in_transaction
from bot.signals.unlock import end_sessions


async def rotate_adviser_key(
    sessions: async_sessionmaker[AsyncSession],
    audit: AuditChain,
    old_key: X25519PrivateKey,
    fresh: AdviserKeyring,
    today: date,
) -> int:
    """Store ``fresh`` and re-wrap every signal to it; returns how many were re-wrapped."""
    adviser_id = fresh.adviser_id
    recipient = AdviserRecipient(adviser_id, fresh.public_key)

    async def work(db: AsyncSession) -> int:
        await audit.append(db, today, adviser_id, "rotate_key", NO_SIGNAL)
        query = (
            select(SignalWrapRow, SignalRow.public_key)
            .join(SignalRow, SignalRow.id == SignalWrapRow.signal_id)
            .where(SignalWrapRow.adviser_id == adviser_id)
        )
        wraps = (await db.execute(query)).all()
        for wrap, signal_public_key in wraps:
            key = open_signal_key_as_adviser(
                wrap.signal_id, signal_public_key, adviser_id, old_key, wrap.sealed
            )
            wrap.sealed = wrap_for_adviser(wrap.signal_id, key, recipient).sealed
        row = await db.get(AdviserRow, adviser_id)
        assert row is not None
        row.keyring, row.public_key = json.dumps(fresh.to_dict()), fresh.public_key
        await end_sessions(db, adviser_id)
        return len(wraps)

    return await in_transaction(sessions, work)
