"""Adviser sessions: an unlocked key for a limited time, usable from any replica.

The conversation keeps only a random session *reference*. The session row is stored under
a keyed hash of it, and the private key in that row is sealed under

    HMAC(K_seal, reference ‖ binding)

where ``binding`` is the raw platform address of the adviser's conversation (channel and
conversation id), which arrives with every request and is never written by the core (the
conversation row's key is a keyed hash of it). So the database plus the server secret do
not open an unlocked key: that also needs the address, which the chat platform knows.
What remains exposed is written in docs/security.md ("Adviser sessions").

Every unlock is limited per adviser before Argon2id runs (:mod:`bot.signals.unlock_guard`);
failures are audited without the guess and reported at the next successful unlock.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import as_utc
from bot.errors import CryptoError, InputError, SessionExpired, WrongPassphrase
from bot.seal import KdfPool
from bot.seal.envelope import load_private_key, open_with_key, private_key_bytes, seal_with_key
from bot.signals.audit import NO_SIGNAL, AuditChain
from bot.signals.models import AdviserSessionRow
from bot.signals.registry import AdviserRegistry
from bot.signals.transaction import in_transaction
from bot.signals.unlock_guard import FailedUnlocks, UnlockGuard

SESSION_MINUTES = 30


@dataclass(frozen=True, slots=True)
class Unlocked:
    adviser_id: str
    key: X25519PrivateKey


@dataclass(frozen=True, slots=True)
class Opened:
    """A new session: the reference the conversation keeps, and what went wrong before it."""

    reference: str = field(repr=False)
    failed: FailedUnlocks


class AdviserSessions:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        registry: AdviserRegistry,
        secret: bytes,
        now: Callable[[], datetime],
        minutes: int = SESSION_MINUTES,
        audit: AuditChain | None = None,
        *,
        pool: KdfPool,
    ) -> None:
        self._sessions = sessions
        self._pool = pool
        self._registry = registry
        self._row_key = hmac.new(secret, b"adviser-session/row", hashlib.sha256).digest()
        self._seal_key = hmac.new(secret, b"adviser-session/seal", hashlib.sha256).digest()
        self._now = now
        self._length = timedelta(minutes=minutes)
        self._audit = audit or AuditChain(secret)
        bind = sessions.kw.get("bind")
        self._guard = UnlockGuard(bind.dialect.name if bind is not None else "sqlite")

    @property
    def minutes(self) -> int:
        """How long an unlocked session lasts."""
        return int(self._length.total_seconds() // 60)

    async def check_passphrase(
        self, adviser_id: str, passphrase: str
    ) -> tuple[X25519PrivateKey, FailedUnlocks]:
        """The adviser's private key, within the unlock limits; failures are audited."""
        if not passphrase:
            raise InputError("an empty passphrase protects nothing", code="wrong_passphrase")
        keyring = await self._registry.keyring(adviser_id)
        now = self._now()

        async def claim(db: AsyncSession) -> None:
            await self._guard.claim(db, adviser_id, now)

        async def failed(db: AsyncSession) -> None:
            await self._audit.append(db, now.date(), adviser_id, "failed_unlock", NO_SIGNAL)
            await self._guard.failed(db, adviser_id, now.date())

        async def succeeded(db: AsyncSession) -> FailedUnlocks:
            return await self._guard.succeeded(db, adviser_id)

        await in_transaction(self._sessions, claim)
        try:
            key = await self._pool.run(keyring.unlock, passphrase)
        except WrongPassphrase:
            await in_transaction(self._sessions, failed)
            raise
        return key, await in_transaction(self._sessions, succeeded)

    async def failed_since_unlock(self, adviser_id: str) -> FailedUnlocks:
        """Failed attempts the adviser has not been told of yet (for their digest)."""
        async with self._sessions() as db:
            return await self._guard.pending(db, adviser_id)

    async def unlock(self, adviser_id: str, passphrase: str, binding: str) -> Opened:
        """Check the passphrase (Argon2id) and open a session bound to ``binding``."""
        if not binding:
            raise SessionExpired("a session needs the conversation it belongs to")
        if not (await self._registry.get(adviser_id)).active:
            raise InputError("this adviser is disabled", code="not_adviser")
        key, failed = await self.check_passphrase(adviser_id, passphrase)
        reference = secrets.token_hex(32)
        sealed = seal_with_key(
            private_key_bytes(key), self._key(reference, binding), adviser_id.encode()
        )

        async def record(db: AsyncSession) -> None:
            # No signal is involved; the audit records when someone's key was in use.
            await self._audit.append(db, self._now().date(), adviser_id, "unlock", NO_SIGNAL)
            db.add(
                AdviserSessionRow(
                    id=self._row_id(reference),
                    adviser_id=adviser_id,
                    sealed_key=sealed,
                    expires_at=self._now() + self._length,
                )
            )

        await in_transaction(self._sessions, record)
        return Opened(reference, failed)

    async def resume(self, reference: str, binding: str) -> Unlocked:
        async with self._sessions() as db:
            row = await db.get(AdviserSessionRow, self._row_id(reference))
        if row is None or as_utc(row.expires_at) <= self._now():
            raise SessionExpired("the adviser session has ended")
        try:
            raw = open_with_key(
                row.sealed_key, self._key(reference, binding), row.adviser_id.encode()
            )
        except CryptoError:
            raise SessionExpired("the adviser session cannot be opened") from None
        return Unlocked(row.adviser_id, load_private_key(raw))

    async def lock(self, reference: str) -> None:
        async with self._sessions.begin() as db:
            await db.execute(
                delete(AdviserSessionRow).where(AdviserSessionRow.id == self._row_id(reference))
            )

    async def purge_expired(self) -> None:
        async with self._sessions.begin() as db:
            await db.execute(
                delete(AdviserSessionRow).where(AdviserSessionRow.expires_at <= self._now())
            )

    def _key(self, reference: str, binding: str) -> bytes:
        message = f"{reference}\x1f{binding}".encode()
        return hmac.new(self._seal_key, message, hashlib.sha256).digest()

    def _row_id(self, reference: str) -> str:
        # A keyed hash: the row alone does not name the conversation's reference.
        return hmac.new(self._row_key, reference.encode(), hashlib.sha256).hexdigest()


async def end_sessions(db: AsyncSession, adviser_id: str) -> None:
    """Every open session of an adviser ends (key rotation, disabling)."""
    await db.execute(delete(AdviserSessionRow).where(AdviserSessionRow.adviser_id == adviser_id))
