"""OnceStore: the first claim wins on SQLite and on PostgreSQL, even when claims race."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.mattermost.once import OnceRow, OnceStore, round_up_to_hour
from bot import migrate
from bot.db import create_engine, session_factory, sqlite_url
from tests.environment import unavailable

POSTGRES_URL = os.environ.get("MELDWIJZER_TEST_DATABASE_URL", "")
SECRET = b"once-test-secret-" + b"x" * 32
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _drop_everything(connection: Connection) -> None:
    reflected = MetaData()
    reflected.reflect(connection)
    reflected.drop_all(connection)
    connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def engines(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[list[AsyncEngine]]:
    """Two engines on one upgraded database: two replicas sharing it."""
    if request.param == "postgres":
        if not POSTGRES_URL:
            unavailable(
                "set MELDWIJZER_TEST_DATABASE_URL=postgresql://… to run the PostgreSQL tests"
            )
        url = POSTGRES_URL
        first = create_engine(url)
        async with first.begin() as connection:
            await connection.run_sync(_drop_everything)
    else:
        (tmp_path / "data").mkdir()
        url = sqlite_url(tmp_path / "data")
        first = create_engine(url)
    await migrate.upgrade(first)
    second = create_engine(url)
    yield [first, second]
    if request.param == "postgres":
        async with first.begin() as connection:
            await connection.run_sync(_drop_everything)
    await first.dispose()
    await second.dispose()


def stores(engines: list[AsyncEngine]) -> list[OnceStore]:
    return [OnceStore(session_factory(engine), SECRET) for engine in engines]


async def test_many_concurrent_claims_of_one_value_give_exactly_one_true(
    engines: list[AsyncEngine],
) -> None:
    replicas = stores(engines)
    claims = [
        replicas[i % 2].claim("nonce", "n-123", timedelta(hours=12), now=NOON) for i in range(40)
    ]
    results = await asyncio.gather(*claims)
    assert results.count(True) == 1
    assert results.count(False) == 39


async def test_later_claims_lose_and_other_values_and_kinds_are_independent(
    engines: list[AsyncEngine],
) -> None:
    once = stores(engines)[0]
    assert await once.claim("nonce", "a", timedelta(hours=1), now=NOON)
    assert not await once.claim("nonce", "a", timedelta(hours=1), now=NOON)
    assert await once.claim("nonce", "b", timedelta(hours=1), now=NOON)
    assert await once.claim("post", "a", timedelta(hours=1), now=NOON)


async def test_only_a_keyed_hash_and_a_coarse_expiry_are_stored(
    engines: list[AsyncEngine],
) -> None:
    once = stores(engines)[0]
    moment = datetime(2026, 3, 2, 12, 17, 45, tzinfo=UTC)
    assert await once.claim("post", "post-id-abcdef", timedelta(minutes=10), now=moment)
    async with session_factory(engines[0])() as db:
        rows = (await db.execute(select(OnceRow))).scalars().all()
    [row] = rows
    assert row.digest == once.digest("post", "post-id-abcdef")
    assert b"post-id-abcdef" not in row.digest
    assert row.expires_on.replace(tzinfo=UTC) == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    # Another secret gives another digest: a stolen table cannot be checked against ids.
    other = OnceStore(session_factory(engines[0]), b"another-secret-" + b"y" * 32)
    assert other.digest("post", "post-id-abcdef") != row.digest


async def test_an_expired_claim_can_be_taken_over_once_and_purge_forgets_it(
    engines: list[AsyncEngine],
) -> None:
    replicas = stores(engines)
    assert await replicas[0].claim("post", "p", timedelta(minutes=5), now=NOON)
    later = NOON + timedelta(hours=2)
    results = await asyncio.gather(
        *(replicas[i % 2].claim("post", "p", timedelta(hours=1), now=later) for i in range(10))
    )
    assert results.count(True) == 1
    assert await replicas[0].claim("post", "q", timedelta(minutes=5), now=NOON)
    assert await replicas[0].purge(NOON + timedelta(hours=2)) == 1  # q went, p is held again
    assert not await replicas[1].claim("post", "p", timedelta(hours=1), now=later)


def test_expiry_rounds_up_to_the_hour() -> None:
    assert round_up_to_hour(NOON) == NOON
    assert round_up_to_hour(NOON + timedelta(microseconds=1)) == NOON + timedelta(hours=1)
