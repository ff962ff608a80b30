"""The notice tasks of a serving process: the outbox worker and the digest planner.

Every replica runs both. Workers share the outbox through leases (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL; on SQLite there is one process), and the planner's unique
``digest_runs`` row makes each digest start once however many replicas tick at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.email import EmailChannel
from bot.conversation import utc_now
from bot.errors import MeldwijzerError
from bot.outbox.compose import NoticeComposer
from bot.outbox.digest import DigestPlanner, admin_channels
from bot.outbox.enqueue import Outbox
from bot.outbox.log_channel import LogChannel
from bot.outbox.policy import RetryPolicy
from bot.outbox.port import NoticeChannel
from bot.outbox.store import OutboxStore
from bot.outbox.worker import OutboxWorker
from bot.settings import Settings
from bot.stopping import Stopping

log = logging.getLogger("meldwijzer.delivery")
PLANNER_EVERY_SECONDS = 30.0  # the digest starts within half a minute of its hour


def notice_channels(settings: Settings, *extra: NoticeChannel) -> list[NoticeChannel]:
    """The serve log always, e-mail when SMTP is set up (ConfigError when half set up), and
    the channels of the chat adapters this process mounted (``extra``)."""
    channels: list[NoticeChannel] = [LogChannel(), *extra]
    if settings.smtp_host:
        channels.append(EmailChannel.from_settings(settings))
    return channels


@dataclass(frozen=True, slots=True)
class NoticeTasks:
    worker: OutboxWorker
    planner: DigestPlanner

    @classmethod
    def build(
        cls,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Outbox,
        channels: Sequence[NoticeChannel],
        now: Callable[[], datetime] = utc_now,
    ) -> NoticeTasks:
        store = OutboxStore(sessions, RetryPolicy.from_settings(settings))
        worker = OutboxWorker(
            sessions,
            store,
            NoticeComposer(settings),
            channels,
            now=now,
            poll_seconds=settings.outbox_poll_seconds,
        )
        planner = DigestPlanner(
            sessions, outbox.schedule, outbox.channels, admin_channels(settings)
        )
        return cls(worker, planner)

    async def plan_forever(self, stopping: Stopping, now: Callable[[], datetime] = utc_now) -> None:
        while not stopping.requested:
            try:
                await self.planner.tick(now())
            except MeldwijzerError as exc:
                log.warning("digest planning failed: %s", exc)
            except Exception as exc:  # a bug must not end every later digest
                log.error("digest planning failed unexpectedly: %s", type(exc).__name__)
            await stopping.pause(PLANNER_EVERY_SECONDS)

    def loops(self, stopping: Stopping) -> tuple[Coroutine[Any, Any, None], ...]:
        """The worker's and the planner's loops, for :func:`bot.stopping.looping`."""
        return (self.worker.run_forever(stopping), self.plan_forever(stopping))
