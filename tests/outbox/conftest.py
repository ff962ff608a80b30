"""The outbox on a migrated database, or with the signal tests' real services: SQLite, and
PostgreSQL where one is configured."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import migrate
from bot.db import create_engine, session_factory, sqlite_url
from bot.outbox.policy import RetryPolicy
from tests.outbox.fakes import Clock, ReceivingFake
from tests.signals.conftest import POSTGRES_URL, any_services, build_on, empty_postgres

__all__ = ["any_services", "build_on"]

START = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # a Monday, 14:00 in Amsterdam
POLICY = RetryPolicy(
    max_attempts=4,
    backoff_base_seconds=30.0,
    backoff_max_seconds=3600.0,
    lease_seconds=120.0,
    sent_keep_days=14,
)


@dataclass(frozen=True)
class Database:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


async def open_database(kind: str, tmp_path: Path) -> Database:
    if kind == "postgres":
        await empty_postgres()
        url = POSTGRES_URL
    else:
        (tmp_path / "data").mkdir()
        url = sqlite_url(tmp_path / "data")
    engine = create_engine(url)
    await migrate.upgrade(engine)
    return Database(url, engine, session_factory(engine))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database at the newest schema, emptied again afterwards."""
    opened = await open_database(request.param, tmp_path)
    yield opened
    await opened.engine.dispose()
    if request.param == "postgres":
        await empty_postgres()


@pytest.fixture
async def postgres(tmp_path: Path) -> AsyncIterator[Database]:
    """PostgreSQL only, for what several replicas share (mark the test ``postgres``)."""
    opened = await open_database("postgres", tmp_path)
    yield opened
    await opened.engine.dispose()
    await empty_postgres()


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
async def receiver() -> AsyncIterator[ReceivingFake]:
    fake = ReceivingFake()
    server = TestServer(fake.app(), host="127.0.0.1", port=0)
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()
