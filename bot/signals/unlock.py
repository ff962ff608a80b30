"""Adviser sessions: an unlocked key for a limited time, usable from any replica.

The private key is kept sealed under a key derived from the server secret and the random
session id; a copy of the database alone does not open it, and the row is deleted when
the session ends or expires.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import as_utc
from bot.errors import CryptoError, InputError, SessionExpired
from bot.seal.envelope import load_private_key, open_with_key, private_key_bytes, seal_with_key
from bot.signals import audit
from bot.signals.models import AdviserSessionRow
from bot.signals.registry import AdviserRegistry

SESSION_MINUTES = 30
NO_SIGNAL = "-"


@dataclass(frozen=True, slots=True)
class Unlocked:
    adviser_id: str
    key: X25519PrivateKey


class AdviserSessions:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        registry: AdviserRegistry,
        secret: bytes,
        now: Callable[[], datetime],
        minutes: int = SESSION_MINUTES,
    ) -> None:
        self._sessions = sessions
        self._registry = registry
        self._secret = hmac.new(secret, b"adviser-session", hashlib.sha256).digest()
        self._now = now
        self._length = timedelta(minutes=minutes)

    @property
    def minutes(self) -> int:
        """How long an unlocked session lasts."""
        return int(self._length.total_seconds() // 60)

    async def unlock(self, adviser_id: str, passphrase: str) -> str:
        """Check the passphrase (Argon2id) and open a session; returns the session id."""
        if not (await self._registry.get(adviser_id)).active:
            raise InputError("this adviser is disabled", code="not_adviser")
        keyring = await self._registry.keyring(adviser_id)
        key = await asyncio.to_thread(keyring.unlock, passphrase)
        session_id = secrets.token_hex(32)
        sealed = seal_with_key(private_key_bytes(key), self._key(session_id), adviser_id.encode())
        async with self._sessions.begin() as db:
            db.add(
                AdviserSessionRow(
                    id=_row_id(session_id),
                    adviser_id=adviser_id,
                    sealed_key=sealed,
                    expires_at=self._now() + self._length,
                )
            )
            # No signal is involved; the audit records when someone's key was in use.
            await audit.append(db, self._now().date(), adviser_id, "unlock", NO_SIGNAL)
        return session_id

    async def resume(self, session_id: str) -> Unlocked:
        async with self._sessions() as db:
            row = await db.get(AdviserSessionRow, _row_id(session_id))
        if row is None or as_utc(row.expires_at) <= self._now():
            raise SessionExpired("the adviser session has ended")
        try:
            raw = open_with_key(row.sealed_key, self._key(session_id), row.adviser_id.encode())
        except CryptoError:
            raise SessionExpired("the adviser session cannot be opened") from None
        return Unlocked(row.adviser_id, load_private_key(raw))

    async def lock(self, session_id: str) -> None:
        async with self._sessions.begin() as db:
            await db.execute(
                delete(AdviserSessionRow).where(AdviserSessionRow.id == _row_id(session_id))
            )

    async def purge_expired(self) -> None:
        async with self._sessions.begin() as db:
            await db.execute(
                delete(AdviserSessionRow).where(AdviserSessionRow.expires_at <= self._now())
            )

    def _key(self, session_id: str) -> bytes:
        return hmac.new(self._secret, session_id.encode(), hashlib.sha256).digest()


def _row_id(session_id: str) -> str:
    # Only a hash of the session id is stored, so the row alone does not name the key.
    return hashlib.sha256(session_id.encode()).hexdigest()
