"""The Alembic chain builds exactly the tables the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import AsyncEngine

import bot.models
from bot import migrate
from bot.app import build_services, prepare_database
from bot.db import Base, create_engine, sqlite_url
from bot.settings import Settings
from tests.conftest import TEST_KDF
from tests.environment import unavailable
from tests.signals.conftest import (
    adviser_in_teams,
    all_text,
    drop_everything,
    read_thread,
    signal_ids,
    submit_signal,
)

POSTGRES_URL = os.environ.get("MELDWIJZER_TEST_DATABASE_URL", "")


def shape(connection: Connection) -> dict[str, dict[str, tuple[str, bool]]]:
    """Every table's columns as (type family, nullable), as the database reports them."""
    inspector = inspect(connection)
    tables = [t for t in inspector.get_table_names() if t != "alembic_version"]
    return {
        table: {c["name"]: (_kind(c["type"]), bool(c["nullable"])) for c in columns}
        for table, columns in ((t, inspector.get_columns(t)) for t in tables)
    }


def declared(tables: set[str]) -> dict[str, dict[str, tuple[str, bool]]]:
    return {
        name: {c.name: (_kind(c.type), bool(c.nullable)) for c in table.columns}
        for name, table in Base.metadata.tables.items()
        if name in tables
    }


def registered_tables() -> set[str]:
    """The tables ``bot.models`` registers: what the migrations' environment declares."""
    return {getattr(bot.models, name).__tablename__ for name in bot.models.__all__}


def tables_anywhere_in_the_code() -> set[str]:
    """Every table any module of the project declares, whatever a test run imported."""
    for package in ("bot", "adapters"):
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, f"{package}."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)
    return set(Base.metadata.tables)


def _kind(column_type: Any) -> str:
    """A coarse type family, the same whatever the dialect calls it."""
    python = column_type.python_type.__name__
    return {"memoryview": "bytes"}.get(python, python)


async def database_shape(engine: AsyncEngine) -> dict[str, dict[str, tuple[str, bool]]]:
    async with engine.connect() as connection:
        return await connection.run_sync(shape)


async def migrated_sqlite(folder: Path) -> dict[str, dict[str, tuple[str, bool]]]:
    engine = create_engine(sqlite_url(folder))
    try:
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()
        return await database_shape(engine)
    finally:
        await engine.dispose()


async def test_the_sqlite_chain_builds_the_declared_schema(tmp_path: Path) -> None:
    built = await migrated_sqlite(tmp_path)
    assert set(built) == registered_tables()
    assert built == declared(registered_tables())


async def test_every_table_in_the_code_has_a_migration(tmp_path: Path) -> None:
    built = await migrated_sqlite(tmp_path)
    assert tables_anywhere_in_the_code() <= set(built)


async def test_upgrading_twice_changes_nothing(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path))
    try:
        await migrate.upgrade(engine)
        first = await database_shape(engine)
        await migrate.upgrade(engine)
        assert await database_shape(engine) == first
    finally:
        await engine.dispose()


# ---- PostgreSQL -----------------------------------------------------------------------


def require_postgres() -> str:
    if POSTGRES_URL:
        return POSTGRES_URL
    unavailable("set MELDWIJZER_TEST_DATABASE_URL=postgresql://… to run the PostgreSQL tests")


@pytest.fixture
async def postgres() -> AsyncIterator[AsyncEngine]:
    """An empty PostgreSQL database, emptied again afterwards so reruns work."""
    engine = create_engine(require_postgres())
    async with engine.begin() as connection:
        await connection.run_sync(drop_everything)
    try:
        yield engine
    finally:
        async with engine.begin() as connection:
            await connection.run_sync(drop_everything)
        await engine.dispose()


@pytest.mark.postgres
async def test_the_postgres_chain_builds_the_declared_schema(postgres: AsyncEngine) -> None:
    await migrate.upgrade(postgres)
    built = await database_shape(postgres)
    assert set(built) == registered_tables()
    assert built == declared(registered_tables())


@pytest.mark.postgres
async def test_a_signal_round_trip_on_postgres(postgres: AsyncEngine, tmp_path: Path) -> None:
    await migrate.upgrade(postgres)
    settings = Settings(
        database_url=POSTGRES_URL,
        data_dir=tmp_path / "data",
        secret="canary-secret-" + "x" * 40,
        **TEST_KDF,  # type: ignore[arg-type]
    )
    services = build_services(settings)
    try:
        await prepare_database(services, seed_demo=True)
        sent = await submit_signal(services, what="Canary-Text-pg1")
        desk = await adviser_in_teams(services, "aad-postgres")
        await desk.unlock()
        (signal_id,) = await signal_ids(services)
        assert "Canary-Text-pg1" in all_text(await desk.open(signal_id))
        await desk.write(signal_id, "Canary-Text-pg2")
        assert "Canary-Text-pg2" in all_text(await read_thread(sent.person, sent.receipt))
    finally:
        await services.close()
