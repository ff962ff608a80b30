"""Expired conversations go in bounded batches, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.app import Services
from bot.router import Session
from bot.state import ConversationRow
from tests.signals.conftest import Build, build_on

__all__ = ["build_on"]  # the fixture, imported for pytest

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=3)
SESSION = Session("nl")


async def conversations(build: Build, expired: int, fresh: int) -> Services:
    services = await build()
    for n in range(expired):
        await services.store.save(f"expired-{n:03}", SESSION, LONG_AGO)
    for n in range(fresh):
        await services.store.save(f"fresh-{n:03}", SESSION, NOW)
    return services


async def keys(services: Services) -> list[str]:
    async with services.engine.connect() as db:
        found = await db.execute(select(ConversationRow.key).order_by(ConversationRow.key))
        return list(found.scalars())


async def test_one_round_deletes_at_most_its_batches(build_on: Build) -> None:
    services = await conversations(build_on, expired=25, fresh=3)
    store = services.store
    assert await store.purge_expired(NOW, batch=10, batches=2) == 20
    left = await keys(services)
    assert len([k for k in left if k.startswith("expired")]) == 5
    assert await store.purge_expired(NOW, batch=10, batches=2) == 5
    assert await store.purge_expired(NOW, batch=10, batches=2) == 0
    assert await keys(services) == ["fresh-000", "fresh-001", "fresh-002"]


async def test_a_partial_batch_ends_the_round(build_on: Build) -> None:
    services = await conversations(build_on, expired=7, fresh=1)
    assert await services.store.purge_expired(NOW, batch=5, batches=10) == 7
    assert await keys(services) == ["fresh-000"]


async def test_a_conversation_renewed_before_the_purge_stays(build_on: Build) -> None:
    services = await conversations(build_on, expired=3, fresh=0)
    store = services.store
    await store.save("expired-001", SESSION, NOW)  # its turn came in: alive again
    assert await store.purge_expired(NOW) == 2
    assert await keys(services) == ["expired-001"]
    async with services.engine.connect() as db:
        assert await db.scalar(select(func.count()).select_from(ConversationRow)) == 1
