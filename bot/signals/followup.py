"""The reporter's way back: with the receipt, read the thread, add to it, or delete it all.

Every failure to find or open a signal is the same :class:`ReceiptNotFound`, whatever the
cause (malformed, unknown, damaged), so the answer never hints whether a signal exists.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import wipe_deleted
from bot.errors import CryptoError, InputError, ReceiptNotFound, StorageError
from bot.seal import Author, ReceiptIndex, normalise_receipt, open_signal_key_with_receipt
from bot.signals.attempts import AttemptLimiter
from bot.signals.content import SignalView, ThreadMessage
from bot.signals.models import SignalRow
from bot.signals.vault import add_message, read_signal


@dataclass(frozen=True, slots=True)
class Opened:
    row: SignalRow
    key: X25519PrivateKey


class ReporterFollowUp:
    """Read, add, delete, each proven by the receipt alone."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        index: ReceiptIndex,
        limiter: AttemptLimiter,
        today: Callable[[], date],
        now: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._index = index
        self._limiter = limiter
        self._today = today
        self._now = now

    async def read(self, receipt: str, bucket: str) -> SignalView:
        async with self._sessions.begin() as db:
            opened = await self._open(db, receipt, bucket)
            try:
                view = await read_signal(db, opened.row, opened.key)
            except CryptoError:
                # A damaged thread gets the same one answer as an unknown receipt.
                raise ReceiptNotFound("no signal opens with this receipt") from None
            opened.row.reporter_seen = opened.row.next_sequence - 1
        return view

    async def add(self, receipt: str, bucket: str, text: str) -> None:
        if not text.strip():
            raise InputError("empty message", code="empty")
        async with self._sessions.begin() as db:
            opened = await self._open(db, receipt, bucket)
            if opened.row.status != "open":
                raise InputError("the signal is closed", code="closed")
            add_message(
                db,
                opened.row,
                opened.key,
                Author.REPORTER,
                ThreadMessage(text=text, kind="addition"),
                self._today(),
            )
            opened.row.reporter_seen = opened.row.next_sequence - 1

    async def delete(self, receipt: str, bucket: str) -> None:
        """Remove the signal, its thread and every key wrap (SQLite overwrites freed pages)."""
        async with self._sessions.begin() as db:
            opened = await self._open(db, receipt, bucket)
            await db.delete(opened.row)
        await wipe_deleted(self._sessions)

    async def _open(self, db: AsyncSession, receipt: str, bucket: str) -> Opened:
        await self._limiter.check(bucket, self._now())
        try:
            opened = await self._find(db, receipt)
        except (ReceiptNotFound, InputError, CryptoError):
            await self._limiter.failed(bucket, self._now())
            raise ReceiptNotFound("no signal opens with this receipt") from None
        except SQLAlchemyError as exc:
            raise StorageError("cannot read signals") from exc
        return opened

    async def _find(self, db: AsyncSession, receipt: str) -> Opened:
        normalised = normalise_receipt(receipt)
        stretched = await asyncio.to_thread(self._index.stretch, normalised)
        row = (
            await db.execute(
                select(SignalRow).where(SignalRow.lookup_key == stretched.lookup_key())
            )
        ).scalar_one_or_none()
        if row is None:
            raise ReceiptNotFound("no signal")
        key = open_signal_key_with_receipt(
            row.id, row.public_key, stretched.receipt_key(row.id), row.receipt_wrap
        )
        return Opened(row, key)
