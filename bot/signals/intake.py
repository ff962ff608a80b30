"""Taking a signal in: choose who may read it, seal it, store it, hand out the receipt."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import ServerBusy, StorageError
from bot.outbox.enqueue import Outbox
from bot.outbox.models import NEW_SIGNAL
from bot.routing.availability import away_on
from bot.routing.select import Request, choose, eligible
from bot.seal import (
    CONTENT_SEQUENCE,
    AdviserRecipient,
    Author,
    KdfPool,
    Receipt,
    ReceiptIndex,
    new_receipt,
    new_signal_key,
    seal_message,
    seal_signal_key,
)
from bot.signals.content import SignalContent
from bot.signals.models import RECEIPT_SCHEME, MessageRow, SignalRow, SignalWrapRow
from bot.signals.registry import Adviser, AdviserRegistry
from bot.signals.writer import SignalWriter


class NewSignals(Protocol):
    """The bucket new signals draw from; :class:`ServerBusy` when it cannot be checked."""

    async def take(self) -> bool: ...


class SignalIntake:
    """Seals a reporter's signal for the eligible advisers and the reporter's receipt.

    New signals draw from this process's token bucket (:class:`bot.throttle.TokenBucket`):
    a flood of submissions gets "busy, try again in a minute" instead of every core;
    follow-up on an existing signal never draws from it.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        registry: AdviserRegistry,
        index: ReceiptIndex,
        kdf: tuple[KdfPool, NewSignals],
        writer: SignalWriter,
        outbox: Outbox,
        now: Callable[[], datetime],
    ) -> None:
        self._writer = writer
        self._outbox = outbox
        self._now = now
        self._sessions = sessions
        self._registry = registry
        self._index = index
        self._pool, self._bucket = kdf

    async def available(self) -> list[Adviser]:
        """Who could be chosen for a signal today, before the reporter asks for anything."""
        async with self._sessions() as db:
            away = await away_on(db, self._now().date())
        return eligible(await self._registry.all(), Request(), away)

    async def submit(self, content: SignalContent) -> Receipt:
        if not await self._bucket.take():  # ServerBusy as well when it cannot tell
            raise ServerBusy("too many new signals right now")
        now = self._now()
        today = now.date()
        async with self._sessions() as db:
            away = await away_on(db, today)
        load = await self._registry.open_load()
        # NoAdviserAvailable when nobody may read it: refused before anything is sealed.
        routing = choose(await self._registry.all(), Request.of(content), load, away)
        pool, responsible = routing.readers, routing.responsible
        keys = {a.id: await self._registry.keyring(a.id) for a in pool}
        receipt = new_receipt()
        salt, params = self._index.new_salt(), self._index.params
        stretched = await self._pool.run(self._index.stretch, receipt.normalised, salt, params)
        signal_id = secrets.token_hex(16)
        key = new_signal_key()
        recipients = [AdviserRecipient(a.id, keys[a.id].public_key) for a in pool]
        receipt_key = self._index.receipt_key(stretched, signal_id)
        wraps = seal_signal_key(signal_id, key, recipients, receipt_key)
        sealed = seal_message(
            key,
            content.to_bytes(),
            signal_id=signal_id,
            sequence=CONTENT_SEQUENCE,
            author=Author.REPORTER,
        )
        try:
            async with self._writer.turn(), self._sessions.begin() as db:
                db.add(
                    SignalRow(
                        id=signal_id,
                        lookup_key=self._index.lookup_key(receipt.normalised),
                        receipt_scheme=RECEIPT_SCHEME,
                        receipt_salt=salt,
                        receipt_kdf=json.dumps(params.to_dict()),
                        public_key=wraps.public_key,
                        receipt_wrap=wraps.receipt_wrap,
                        status="open",
                        adviser_id=responsible.id,
                        created_on=today,
                        next_sequence=CONTENT_SEQUENCE + 1,
                        reporter_seen=0,
                    )
                )
                await db.flush()
                db.add(
                    MessageRow(
                        signal_id=signal_id,
                        sequence=CONTENT_SEQUENCE,
                        author=Author.REPORTER.value,
                        created_on=today,
                        sealed=sealed,
                    )
                )
                db.add_all(
                    SignalWrapRow(signal_id=signal_id, adviser_id=w.adviser_id, sealed=w.sealed)
                    for w in wraps.adviser_wraps
                )
                await self._outbox.tell(db, responsible, NEW_SIGNAL, signal_id, "0", now)
        except SQLAlchemyError as exc:
            raise StorageError("cannot store the signal") from exc
        return receipt
