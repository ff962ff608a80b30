"""From a well-formed receipt to its signal's row and private key, paying Argon2id once.

1. The fast keyed index under the current secret, then the previous one (HMAC, no KDF).
2. Only while rows sealed by schema 0003 remain (``legacy_lookup_key`` set) and the fast
   index missed: the old Argon2id-derived lookup key, in the bounded KDF pool. This costs
   an Argon2id run per well-formed wrong receipt, bounded by the pool and the
   conversation's attempt limit, and ends once every old signal has been opened once.
3. Argon2id with the row's own salt and stored parameters (in the pool) unwraps the key.

A signal found under the previous secret or the old scheme is moved to the current secret
and scheme in the same step (new lookup key and receipt wrap), so a rotation or an upgrade
finishes as reporters come back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import CryptoError, ReceiptNotFound, ServerBusy, StorageError
from bot.seal import KdfParams, KdfPool, ReceiptIndex, open_signal_key_with_receipt
from bot.seal.index import CURRENT
from bot.seal.legacy_index import LegacyStretch
from bot.seal.signal_keys import wrap_for_receipt
from bot.signals.models import RECEIPT_SCHEME, SignalRow
from bot.signals.writer import SignalWriter


@dataclass(frozen=True, slots=True)
class Found:
    """The row a receipt points to, and how it was found."""

    row: SignalRow
    generation: int  # which secret found it: 0 current, 1 previous
    legacy: LegacyStretch | None = None  # set when found through the schema-0003 index

    @property
    def signal_id(self) -> str:
        return self.row.id


class ReceiptLookup:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        index: ReceiptIndex,
        pool: KdfPool,
        writer: SignalWriter,
    ) -> None:
        self._sessions = sessions
        self._writer = writer
        self._index = index
        self._pool = pool
        self._no_legacy_rows = False  # once true it stays true: scheme 1 is never written

    async def find_fast(self, normalised: str) -> Found | None:
        """Step 1: one HMAC and one indexed read, no lock and no KDF."""
        keys = self._index.lookup_keys(normalised)
        try:
            async with self._sessions() as db:
                row = await _one(db, SignalRow.lookup_key.in_(keys))
        except SQLAlchemyError as exc:
            raise StorageError("cannot read signals") from exc
        if row is None:
            return None
        assert row.lookup_key is not None
        return Found(row, keys.index(row.lookup_key))

    async def find_legacy(self, normalised: str, rank: int = 0) -> Found | None:
        """Step 2, only while schema-0003 rows remain (none are ever made again)."""
        if self._no_legacy_rows:
            return None
        try:
            async with self._sessions() as db:
                if await _one(db, SignalRow.legacy_lookup_key.is_not(None)) is None:
                    self._no_legacy_rows = True
                    return None
            return await self._find_legacy(normalised, rank)
        except SQLAlchemyError as exc:
            raise StorageError("cannot read signals") from exc

    async def _find_legacy(self, normalised: str, rank: int) -> Found | None:
        for generation, legacy in enumerate(self._index.legacy()):
            stretched = await self._pool.run(legacy.stretch, normalised, rank=rank)
            async with self._sessions() as db:
                row = await _one(db, SignalRow.legacy_lookup_key == stretched.lookup_key())
            if row is not None:
                return Found(row, generation, stretched)
        return None

    async def unwrap(self, normalised: str, found: Found, rank: int = 0) -> X25519PrivateKey:
        """The signal's private key; moves the row to the current secret and scheme.

        ``rank`` orders this run among the KDF pool's waiters (:mod:`bot.signals.open_rank`).
        """
        row = found.row
        stretched: bytes | None = None
        if found.legacy is not None:
            receipt_key = found.legacy.receipt_key(row.id)
        else:
            params = _stored_params(row)
            assert row.receipt_salt is not None
            stretched = await self._pool.run(
                self._index.stretch, normalised, row.receipt_salt, params, rank=rank
            )
            receipt_key = self._index.receipt_key(stretched, row.id, found.generation)
        try:
            key = open_signal_key_with_receipt(
                row.id, row.public_key, receipt_key, row.receipt_wrap
            )
        except CryptoError:
            raise ReceiptNotFound("no signal opens with this receipt") from None
        if found.legacy is not None or found.generation != CURRENT:
            await self._move(normalised, row, key, stretched, rank)
        return key

    async def _move(
        self,
        normalised: str,
        row: SignalRow,
        key: X25519PrivateKey,
        stretched: bytes | None,
        rank: int,
    ) -> None:
        """Re-index under the current secret (and scheme); a busy pool leaves it for next time."""
        salt, kdf = row.receipt_salt, row.receipt_kdf
        if stretched is None or salt is None or kdf is None:
            salt, params = self._index.new_salt(), self._index.params
            kdf = json.dumps(params.to_dict())
            try:
                stretched = await self._pool.run(
                    self._index.stretch, normalised, salt, params, rank=rank
                )
            except ServerBusy:
                return
        values = {
            "lookup_key": self._index.lookup_key(normalised),
            "legacy_lookup_key": None,
            "receipt_scheme": RECEIPT_SCHEME,
            "receipt_salt": salt,
            "receipt_kdf": kdf,
            "receipt_wrap": wrap_for_receipt(
                row.id, key, self._index.receipt_key(stretched, row.id)
            ),
        }
        try:
            async with self._writer.turn(urgent=True), self._sessions.begin() as db:
                await db.execute(update(SignalRow).where(SignalRow.id == row.id).values(values))
        except SQLAlchemyError as exc:
            raise StorageError("cannot re-index the signal") from exc


async def _one(db: AsyncSession, condition: object) -> SignalRow | None:
    query = select(SignalRow).where(condition).limit(1)  # type: ignore[arg-type]
    return (await db.execute(query)).scalars().first()


def _stored_params(row: SignalRow) -> KdfParams:
    try:
        return KdfParams.from_dict(json.loads(row.receipt_kdf or ""))
    except (ValueError, CryptoError):
        raise ReceiptNotFound("no signal opens with this receipt") from None
