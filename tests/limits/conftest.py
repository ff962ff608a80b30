"""One database, several independent engines on it: each engine is another replica.

Every test here runs on the embedded SQLite file and on PostgreSQL (marker ``postgres``,
``MELDWIJZER_TEST_DATABASE_URL``), with the schema the migrations build.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import migrate
from bot.db import create_engine, sqlite_url
from tests.signals.conftest import POSTGRES_URL, empty_postgres

Replica = Callable[[], AsyncEngine]
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


@pytest.fixture
async def replica(database_url: str) -> AsyncIterator[Replica]:
    """Makes engines on the one database, disposed after the test."""
    engines: list[AsyncEngine] = []

    def make() -> AsyncEngine:
        engines.append(create_engine(database_url))
        return engines[-1]

    yield make
    for engine in engines:
        await engine.dispose()
