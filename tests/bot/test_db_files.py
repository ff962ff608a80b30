"""SQLite's files (the database, its write-ahead log and shared memory) are readable by the
owner only, whatever the data folder's mode or the process umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.db import create_engine

COMPANIONS = ("", "-wal", "-shm")


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def open_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    folder.chmod(0o755)
    return folder


def _modes(database: Path) -> dict[str, int]:
    return {
        suffix or "main": stat.S_IMODE(os.stat(f"{database}{suffix}").st_mode)
        for suffix in COMPANIONS
    }


async def _write_something(database: Path) -> None:
    engine = create_engine(f"sqlite:///{database}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
            await connection.execute(text("INSERT INTO t VALUES (1)"))
        # Modes while the log and shared memory exist, before dispose checkpoints them away.
        async with engine.connect() as connection:
            await connection.execute(text("SELECT count(*) FROM t"))
            assert _modes(database) == {"main": 0o600, "-wal": 0o600, "-shm": 0o600}
    finally:
        await engine.dispose()


@pytest.mark.usefixtures("permissive_umask")
async def test_new_database_files_are_owner_only(open_folder: Path) -> None:
    await _write_something(open_folder / "meldwijzer.db")


@pytest.mark.usefixtures("permissive_umask")
async def test_existing_world_readable_files_are_tightened_on_connect(open_folder: Path) -> None:
    database = open_folder / "meldwijzer.db"
    holder = create_engine(f"sqlite:///{database}")
    try:
        async with holder.connect() as connection:
            await connection.execute(text("CREATE TABLE t (x INTEGER)"))
            await connection.commit()
            # As an older version, or another tool, might have left them.
            for suffix in COMPANIONS:
                Path(f"{database}{suffix}").chmod(0o644)
            await _write_something(database)
    finally:
        await holder.dispose()


async def test_in_memory_database_still_works() -> None:
    engine = create_engine("sqlite:///:memory:")
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()
