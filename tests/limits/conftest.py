"""One database, several independent engines on it: each engine is another replica.

Every test here runs on the embedded SQLite file and on PostgreSQL (marker ``postgres``,
``MELDWIJZER_TEST_DATABASE_URL``), with the schema the migrations build.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import migrate
from bot.db import create_engine, sqlite_url
from bot.limits import LimitWrites
from tests.signals.conftest import POSTGRES_URL, empty_postgres

SECRET = b"limits-test-secret-" + b"x" * 13


class Now:
    """A replica's wall clock, set by the test."""

    def __init__(self, seconds: float = 1_800_000_000.0) -> None:
        self.seconds = seconds

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty database: a SQLite file, or the test PostgreSQL database."""
    if request.param == "postgres":
        await empty_postgres()
        url = POSTGRES_URL
    else:
        url = sqlite_url(tmp_path)
    engine = create_engine(url)
    await migrate.upgrade(engine)
    await engine.dispose()
    yield url
    if request.param == "postgres":
        await empty_postgres()


class Replica:
    """Makes what one more replica would have on the one database: ``replica()`` an engine,
    ``replica.writes()`` the limits' writes (on the app's pool, or on a pool of their own)."""

    def __init__(self, url: str, own_pool: bool) -> None:
        self.url, self.own_pool = url, own_pool
        self.engines: list[AsyncEngine] = []
        self.pools: list[LimitWrites] = []

    def __call__(self) -> AsyncEngine:
        self.engines.append(create_engine(self.url))
        return self.engines[-1]

    def writes(self) -> LimitWrites:
        if not self.own_pool:
            return LimitWrites(self())
        self.pools.append(LimitWrites.own_pool(self.url))
        return self.pools[-1]


@pytest.fixture(params=["app pool", "own pool"])
async def replica(database_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Replica]:
    """Replicas on the one database, their engines and pools closed after the test."""
    made = Replica(database_url, request.param == "own pool")
    yield made
    for engine in made.engines:
        await engine.dispose()
    for pool in made.pools:
        await pool.close()
