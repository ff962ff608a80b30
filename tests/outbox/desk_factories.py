"""Advisers and signals on chosen dates, for the digest tests, through the real core."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Services
from bot.db import create_engine, session_factory, sqlite_url
from bot.outbox.digest import Channels, DigestPlanner
from bot.outbox.models import DeliveryRow, DigestRunRow
from bot.outbox.port import LOG
from bot.outbox.schedule import NoticeSchedule
from bot.routing.models import AbsenceRow
from bot.signals.models import SignalRow
from bot.signals.registry import Adviser, NewAdviser
from tests.signals.conftest import PASSPHRASE, Submitted, core_at, signal_ids, submit_signal, unique

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM).astimezone(UTC)


async def enrolled_adviser(
    services: Services, name: str, languages: Sequence[str] = ("nl", "en")
) -> str:
    registry = services.signals.registry
    added = await registry.add(NewAdviser(name=unique(name), languages=tuple(languages)))
    await registry.enrol(added.id, PASSPHRASE)
    return added.id


async def signal_on(services: Services, day: date, **fields: str) -> str:
    """A signal submitted through the web chat on ``day``; returns its id."""
    return (await submitted_on(services, day, **fields))[0]


async def submitted_on(services: Services, day: date, **fields: str) -> tuple[str, Submitted]:
    before = set(await signal_ids(services))
    moment = datetime(day.year, day.month, day.day, 10, 17, tzinfo=UTC)
    submitted = await submit_signal(core_at(services, moment), **fields)
    (signal_id,) = set(await signal_ids(services)) - before
    return signal_id, submitted


async def make_responsible(
    services: Services, signal_id: str, adviser_id: str | None, acknowledged: date | None = None
) -> None:
    async with services.sessions.begin() as db:
        await db.execute(
            update(SignalRow)
            .where(SignalRow.id == signal_id)
            .values(adviser_id=adviser_id, acknowledged_on=acknowledged)
        )


async def away(services: Services, adviser_id: str, starts: date, ends: date) -> None:
    async with services.sessions.begin() as db:
        db.add(
            AbsenceRow(
                id=unique("away")[-12:], adviser_id=adviser_id, starts_on=starts, ends_on=ends
            )
        )


def every_channel_log(adviser: Adviser) -> tuple[str, ...]:
    return (LOG,)


def planner(
    services: Services,
    channels: Channels = every_channel_log,
    sessions: async_sessionmaker[AsyncSession] | None = None,
) -> DigestPlanner:
    schedule = NoticeSchedule.of(services.settings)
    return DigestPlanner(sessions or services.sessions, schedule, channels)


@asynccontextmanager
async def replica_sessions(services: Services) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions over connections of their own, as another replica on the database has."""
    settings = services.settings
    engine = create_engine(settings.database_url or sqlite_url(settings.data_dir))
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def digests(services: Services) -> list[DeliveryRow]:
    async with services.sessions() as db:
        rows = await db.execute(
            select(DeliveryRow).order_by(DeliveryRow.recipient, DeliveryRow.channel)
        )
        return list(rows.scalars())


async def digest_runs(services: Services) -> int:
    async with services.sessions() as db:
        return int((await db.execute(select(func.count()).select_from(DigestRunRow))).scalar_one())


def as_utc(moment: datetime) -> datetime:
    """SQLite gives stored instants back naive (they are UTC); PostgreSQL in its session zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
