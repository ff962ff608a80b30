"""The outbox worker: takes due notices, writes each one, sends it, records the outcome.

A round: claim a batch; compose every notice of it in one read-only session; send them side
by side, after the claim has committed and outside any transaction, so a slow channel holds
no database connection; record the sent ones in one commit and each failure on its own. An
error in one notice (its composer, its channel, its bookkeeping) never stops the others, and
a notice whose outcome could not be written is claimed again when its lease runs out, under
the same idempotency key. Each send is cut off at half the lease, so none outlives its lease
and gets sent twice by a second worker while the first still waits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation import utc_now
from bot.errors import StorageError
from bot.outbox.failures import NO_ADDRESS, NO_CHANNEL, failure_of
from bot.outbox.models import DEAD, PENDING, SENT, DeliveryItemRow, DeliveryRow
from bot.outbox.port import Notice, NoticeChannel
from bot.outbox.store import Failure, OutboxStore
from bot.stopping import Stopping

log = logging.getLogger("meldwijzer.outbox")
LOST = "lost"  # the lease ran out and another worker took the notice over
DONE = "done"  # delivered (or nothing to tell), to be marked sent with the rest of the round
PURGE_EVERY = timedelta(hours=1)


class NoticeComposer(Protocol):
    """What the worker needs to turn a notice row into a message and an address."""

    async def compose(
        self, db: AsyncSession, delivery: DeliveryRow, items: list[DeliveryItemRow]
    ) -> Notice | None:
        """The message; None when nothing is left to tell (sent without sending)."""

    async def address(self, db: AsyncSession, delivery: DeliveryRow) -> str | None:
        """The recipient's address on the delivery's channel; None when they have none."""


@dataclass(frozen=True, slots=True)
class Addressed:
    notice: Notice
    address: str


# A claimed notice once composed: ready to send, failed already, or nothing left to tell.
Letter = Addressed | Failure | None


@dataclass(frozen=True, slots=True)
class Round:
    """How one ``run_once`` went, by the notices' new status."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    lost: int = 0


class OutboxWorker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        store: OutboxStore,
        composer: NoticeComposer,
        channels: Iterable[NoticeChannel],
        *,
        now: Callable[[], datetime] = utc_now,
        batch_size: int = 20,
        poll_seconds: float = 5.0,
    ) -> None:
        self._sessions = sessions
        self._store = store
        self._composer = composer
        self._channels = {channel.name: channel for channel in channels}
        self._now = now
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._send_seconds = store.policy.lease_seconds / 2
        self._next_purge: datetime | None = None

    async def run_once(self, now: datetime | None = None) -> Round:
        """Claim the notices due at ``now`` (the worker's clock if not given), handle each."""
        moment = now or self._now()
        claimed = await self._store.claim(moment, self._batch_size)
        try:
            return await self._handle_all(claimed, moment)
        except asyncio.CancelledError:
            # Cancelled: a stop whose grace this round outlived (bot/stopping.py). What it
            # had not finished goes back to the queue now rather than when the leases end.
            await self._hand_back(claimed)
            raise

    async def _hand_back(self, claimed: list[DeliveryRow]) -> None:
        try:
            released = await self._store.release(claimed)
        except StorageError as exc:
            log.warning("outbox leases not handed back, they run out instead: %s", exc)
            return
        if released:
            log.info("handed back %d outbox lease(s) on stopping", released)

    async def _handle_all(self, claimed: list[DeliveryRow], moment: datetime) -> Round:
        letters = await self._compose_all(claimed)
        outcomes = await asyncio.gather(
            *(
                self._handle(row, letter, moment)
                for row, letter in zip(claimed, letters, strict=True)
            )
        )
        done = [row for row, outcome in zip(claimed, outcomes, strict=True) if outcome == DONE]
        marked = await self._mark_sent(done)
        final = [
            (SENT if row.id in marked else LOST) if outcome == DONE else outcome
            for row, outcome in zip(claimed, outcomes, strict=True)
        ]
        return Round(
            claimed=len(claimed),
            sent=final.count(SENT),
            retrying=final.count(PENDING),
            dead=final.count(DEAD),
            lost=final.count(LOST),
        )

    async def _compose_all(self, claimed: list[DeliveryRow]) -> list[Letter]:
        """Every claimed notice written in one session: reads only, one connection a round."""
        letters: list[Letter] = []
        async with self._sessions() as db:
            for delivery in claimed:
                try:
                    letters.append(await self._compose(db, delivery))
                except Exception as exc:  # one notice that cannot be written stops no other
                    await db.rollback()
                    letters.append(failure_of("compose", exc))
        return letters

    async def _compose(self, db: AsyncSession, delivery: DeliveryRow) -> Letter:
        items = await self._store.items(db, delivery.id)
        notice = await self._composer.compose(db, delivery, items)
        if notice is None:
            return None
        address = await self._composer.address(db, delivery)
        if address is None:
            return Failure(NO_ADDRESS, retryable=False)
        return Addressed(notice, address)

    async def _mark_sent(self, done: list[DeliveryRow]) -> set[str]:
        try:
            marked = await self._store.mark_all_sent(done)
        except StorageError as exc:
            # Not written: the leases run out and these are sent again, under the same keys.
            log.warning("%d sent notice(s) not recorded: %s", len(done), exc)
            return set()
        for row in done:
            if row.id not in marked:
                log.warning("notice %s: lease lost before it was marked sent", row.id)
        return marked

    async def run_forever(self, stopping: Stopping | None = None) -> None:
        """Rounds until ``stopping`` is requested (or the task is cancelled): at once again
        after a full batch, else after a pause. A round in progress is finished first."""
        stopping = stopping or Stopping()
        while not stopping.requested:
            full = False
            try:
                done = await self.run_once()
                full = done.claimed >= self._batch_size
                await self._purge_if_due()
            except StorageError as exc:
                log.warning("outbox round failed: %s", exc)
            except Exception as exc:  # a bug must not end every later notice
                # The type only: a traceback's frames could carry a notice's parameters.
                log.error("outbox round failed unexpectedly: %s", type(exc).__name__)
            if not full:
                await stopping.pause(self._poll_seconds)

    async def _purge_if_due(self) -> None:
        now = self._now()
        if self._next_purge is None or now >= self._next_purge:
            self._next_purge = now + PURGE_EVERY
            await self._store.purge_sent(now)

    async def _handle(self, delivery: DeliveryRow, letter: Letter, now: datetime) -> str:
        try:
            return await self._send(delivery, letter, now)
        except StorageError as exc:
            # The outcome is not written; the lease runs out and the notice is tried again.
            log.warning("notice %s: %s", delivery.id, exc)
            return LOST

    async def _send(self, delivery: DeliveryRow, letter: Letter, now: datetime) -> str:
        if letter is None:
            return DONE  # nothing left to tell
        if isinstance(letter, Failure):
            return await self._fail(delivery, letter, now)
        channel = self._channels.get(delivery.channel)
        if channel is None:
            return await self._fail(delivery, Failure(NO_CHANNEL, retryable=False), now)
        try:
            async with asyncio.timeout(self._send_seconds):
                await channel.deliver(letter.address, letter.notice)
        except Exception as exc:  # a channel's failure is this notice's alone
            return await self._fail(delivery, failure_of(channel.name, exc), now)
        return DONE

    async def _fail(self, delivery: DeliveryRow, failure: Failure, now: datetime) -> str:
        """The retry is timed from the round's moment, the one the claim was made at."""
        status = await self._store.mark_failed(delivery, failure, now)
        if status is None:
            log.warning("notice %s: lease lost before its failure was recorded", delivery.id)
            return LOST
        log.warning(
            "notice %s attempt %d failed (%s): %s",
            delivery.id,
            delivery.attempts,
            failure.code,
            "dead" if status == DEAD else "will retry",
        )
        return status
