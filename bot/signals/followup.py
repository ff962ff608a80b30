"""The reporter's way back: with the receipt, read the thread, add to it, or delete it all.

The order of the checks is the order of their cost: a malformed code is refused before
anything is counted (:class:`MalformedReceipt`, a typo to fix); the fast keyed index (one
HMAC, one indexed read) finds the row or not; a miss is counted for the conversation before
it is answered (and before the old-scheme fallback may spend an Argon2id on it); a find is
checked against the conversation's count and counted as one of the signal's opens, in one
write queued ahead of strangers' look-ups; only then does Argon2id run, in the bounded pool,
ranked by how many opens the conversation asked for lately (:mod:`bot.signals.open_rank`).
An open the pool refuses as busy is refunded to the signal, so retrying under a flood does
not use up the reporter's opens.
Every failure to find or open a signal is the same :class:`ReceiptNotFound`, whatever the
cause (unknown, damaged), so the answer never hints whether a signal exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import wipe_deleted
from bot.errors import CryptoError, InputError, ReceiptNotFound, ServerBusy, StorageError
from bot.outbox.enqueue import Outbox
from bot.outbox.models import NEW_MESSAGE
from bot.routing.availability import waiting_for_adviser
from bot.seal import Author, KdfPool, ReceiptIndex, normalise_receipt
from bot.signals.attempts import ReceiptLimits
from bot.signals.content import SignalView, ThreadMessage
from bot.signals.models import SignalRow
from bot.signals.open_rank import OpenRanks
from bot.signals.receipt_lookup import ReceiptLookup
from bot.signals.registry import AdviserRegistry
from bot.signals.vault import add_message, read_signal, write_thread
from bot.signals.writer import SignalWriter
from bot.stats.tally import NoTally, Tally


class ReporterFollowUp:
    """Read, add, delete, each proven by the receipt alone."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        index: ReceiptIndex,
        pool: KdfPool,
        limits: ReceiptLimits,
        writer: SignalWriter,
        today: Callable[[], date],
        now: Callable[[], datetime],
        notices: tuple[Outbox, AdviserRegistry],
        tally: Tally | None = None,
    ) -> None:
        self._outbox, self._registry = notices
        self._tally = tally or NoTally()
        self._sessions = sessions
        self._writer = writer
        self._lookup = ReceiptLookup(sessions, index, pool, writer)
        self._limits = limits
        self._ranks = OpenRanks()
        self._today = today
        self._now = now

    async def read(self, receipt: str, bucket: str) -> SignalView:
        signal_id, key = await self._open(receipt, bucket)
        try:
            async with self._sessions() as db:
                row = await _row(db, signal_id)
                view = await read_signal(db, row, key)
                view = replace(view, waiting=await waiting_for_adviser(db, row, self._today()))
                seen = row.next_sequence - 1
                unseen = row.reporter_seen < seen
        except CryptoError:
            # A damaged thread gets the same one answer as an unknown receipt.
            raise ReceiptNotFound("no signal opens with this receipt") from None
        except SQLAlchemyError as exc:
            raise StorageError("cannot read the thread") from exc
        if unseen:  # a read writes only when there was something new to see
            await self._mark_seen(signal_id, seen)
        self._tally.add("follow_ups", "opened")
        return view

    async def _mark_seen(self, signal_id: str, seen: int) -> None:
        try:
            async with self._writer.turn(urgent=True), self._sessions.begin() as db:
                await db.execute(
                    update(SignalRow)
                    .where(SignalRow.id == signal_id, SignalRow.reporter_seen < seen)
                    .values(reporter_seen=seen)
                )
        except SQLAlchemyError as exc:
            raise StorageError("cannot write to the thread") from exc

    async def add(self, receipt: str, bucket: str, text: str) -> None:
        if not text.strip():
            raise InputError("empty message", code="empty")
        signal_id, key = await self._open(receipt, bucket)
        advisers = {a.id: a for a in await self._registry.all()}
        now = self._now()

        async def append(db: AsyncSession) -> None:
            row = await _row(db, signal_id)
            if row.status != "open":
                raise InputError("the signal is closed", code="closed")
            message = ThreadMessage(text=text, kind="addition")
            sequence = add_message(db, row, key, Author.REPORTER, message, self._today())
            row.reporter_seen = row.next_sequence - 1
            responsible = advisers.get(row.adviser_id or "")
            if responsible is not None and responsible.active:
                # A signal with nobody responsible waits; the admin's digest says so.
                await self._outbox.tell(db, responsible, NEW_MESSAGE, signal_id, str(sequence), now)

        await write_thread(self._sessions, signal_id, append, self._writer)
        self._tally.add("follow_ups", "added")  # committed: counted in memory only

    async def delete(self, receipt: str, bucket: str) -> None:
        """Remove the signal, its thread and every key wrap (SQLite overwrites freed pages)."""
        signal_id, _ = await self._open(receipt, bucket)

        # Not counted as an outcome: every outcome counts a feedback too (desk.close), so the
        # outcomes' total minus the feedback's total would publish the number of deletions,
        # a small count no table checks.
        async def remove(db: AsyncSession) -> None:
            row = await _row(db, signal_id)
            await self._outbox.forget(db, signal_id)  # no empty notice left to tell of it
            await db.delete(row)

        await write_thread(self._sessions, signal_id, remove, self._writer)
        await wipe_deleted(self._sessions)

    async def purge_counters(self, now: datetime) -> None:
        """Forget attempt and open counts of past windows (housekeeping)."""
        await self._limits.purge(now)

    async def _open(self, receipt: str, bucket: str) -> tuple[str, X25519PrivateKey]:
        normalised = normalise_receipt(receipt)  # MalformedReceipt: nothing counted, no KDF
        now = self._now()
        found = await self._lookup.find_fast(normalised)
        if found is not None:
            await self._limits.found(bucket, found.signal_id, now, counted=False)
            rank = self._ranks.take(bucket, now)
        else:
            await self._limits.missed(bucket, now)  # counted before any answer or KDF
            rank = self._ranks.take(bucket, now)
            found = await self._lookup.find_legacy(normalised, rank)
            if found is None:
                raise ReceiptNotFound("no signal opens with this receipt")
            await self._limits.found(bucket, found.signal_id, now, counted=True)
        try:
            return found.signal_id, await self._lookup.unwrap(normalised, found, rank)
        except ServerBusy:
            await self._limits.refund_open(found.signal_id, now)  # nothing was opened
            raise


async def _row(db: AsyncSession, signal_id: str) -> SignalRow:
    row = await db.get(SignalRow, signal_id)
    if row is None:  # deleted between the look-up and this write
        raise ReceiptNotFound("no signal opens with this receipt")
    return row
