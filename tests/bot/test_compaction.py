"""SQLite's files keep no submission order past the daily rewrite.

The attack: submit signals in a known order, then look where each signal's sealed content
sits in the main file (page) and in the write-ahead log (frame). Before the rewrite both
follow the submissions exactly; after it the log is empty and the pages follow the random
primary key, so the files say nothing about which signal came first.
"""

from __future__ import annotations

import logging
import struct
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import Services
from bot.compaction import DailyRewrite, rewrite_in_key_order
from bot.db import create_engine
from tests.signals.conftest import submit_signal

# Long enough that the sealed content spills into overflow pages, as real signals do.
WHAT = "Tijdens het overleg maakte mijn leidinggevende weer een opmerking over mijn afkomst. " * 30


async def rows(engine: AsyncEngine, query: str) -> list[tuple[Any, ...]]:
    async with engine.connect() as connection:
        return [tuple(row) for row in (await connection.execute(text(query))).all()]


async def signal_ids(services: Services) -> set[str]:
    return {str(row[0]) for row in await rows(services.engine, "SELECT id FROM signals")}


async def submit_in_order(services: Services, count: int, order: list[str]) -> None:
    for n in range(count):
        await submit_signal(services, what=f"{n} {WHAT}")
        (new,) = await signal_ids(services) - set(order)
        order.append(new)


async def checkpoint(engine: AsyncEngine) -> None:
    """What a server stop (or any checkpoint) does: fold the log into the main file."""
    await rows(engine, "PRAGMA wal_checkpoint(TRUNCATE)")


async def places(services: Services, suffix: str) -> dict[str, int]:
    """Signal id → page (main file) or frame (``-wal``) holding its content's tail."""
    contents = await rows(
        services.engine, "SELECT signal_id, sealed FROM signal_messages WHERE sequence = 0"
    )
    ((page,),) = await rows(services.engine, "PRAGMA page_size")
    data = Path(f"{services.settings.data_dir / 'meldwijzer.db'}{suffix}").read_bytes()
    unit = int(page) + (24 if suffix else 0)  # a WAL frame is a 24-byte header + a page
    found = {str(sid): data.find(bytes(sealed)[-64:]) for sid, sealed in contents}
    return {sid: at // unit for sid, at in found.items() if at >= 0}


def indexed_pages(services: Services) -> list[int]:
    """The page numbers the ``-shm`` index lists for the log's frames, frame by frame.

    Its first block: 136 bytes of headers, then 4062 native 32-bit page numbers (``wal.c``).
    They outlive a checkpoint until the log restarts, so they would keep the write order too.
    """
    data = Path(f"{services.settings.data_dir / 'meldwijzer.db'}-shm").read_bytes()
    return [page for page in struct.unpack("=4062I", data[136 : 136 + 4 * 4062]) if page]


def ordered_by_place(where: dict[str, int]) -> list[str]:
    return sorted(where, key=lambda sid: where[sid])


async def test_the_rewrite_leaves_the_files_in_key_order_only(services: Services) -> None:
    order: list[str] = []
    await submit_in_order(services, 6, order)
    await checkpoint(services.engine)
    in_main = await places(services, "")
    assert ordered_by_place(in_main) == order, "the attack reads the order from the pages"
    await submit_in_order(services, 6, order)
    in_log = await places(services, "-wal")
    assert ordered_by_place(in_log) == order[6:], "the attack reads the order from the log"
    assert sorted(order) != order, "the ids are random (1 in 12! this fails by chance)"

    assert await rewrite_in_key_order(services.engine)

    assert await places(services, "-wal") == {}
    assert Path(f"{services.settings.data_dir / 'meldwijzer.db'}-wal").stat().st_size == 0
    assert indexed_pages(services) == sorted(indexed_pages(services))
    in_main = await places(services, "")
    assert set(in_main) == set(order)
    assert ordered_by_place(in_main) == sorted(order)
    async with services.sessions() as db:
        assert (await db.execute(text("PRAGMA integrity_check"))).scalar() == "ok"


AMSTERDAM_WINTER = "+01:00"


def at(local: str) -> datetime:
    """A moment given in Amsterdam winter time, as the housekeeping clock (UTC) sees it."""
    return datetime.fromisoformat(f"{local}{AMSTERDAM_WINTER}").astimezone(UTC)


async def test_once_a_day_in_the_first_round_after_three_amsterdam_time(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    rewrite = DailyRewrite(services.engine)
    assert not rewrite.due(at("2026-12-01T02:55"))
    caplog.set_level(logging.INFO, logger="meldwijzer.compaction")
    await rewrite.run_if_due(at("2026-12-01T03:05"))
    assert [r.getMessage() for r in caplog.records] == ["database rewritten"]
    assert not rewrite.due(at("2026-12-01T03:15"))
    assert not rewrite.due(at("2026-12-02T02:55"))
    assert rewrite.due(at("2026-12-02T03:05"))
    # 02:30 UTC is 03:30 in winter but 04:30 in summer: both after the quiet hour.
    assert rewrite.due(datetime(2026, 12, 2, 2, 30, tzinfo=UTC))


async def test_a_busy_database_is_tried_again_next_round(services: Services) -> None:
    """Another connection holds the write lock past the busy timeout: no crash, still due."""
    rewrite = DailyRewrite(services.engine)
    other = create_engine(f"sqlite:///{services.settings.data_dir / 'meldwijzer.db'}")
    try:
        async with other.connect() as connection:
            await connection.execute(text("BEGIN IMMEDIATE"))
            assert not await rewrite_in_key_order(services.engine)
            await rewrite.run_if_due(at("2026-12-01T03:05"))
            assert rewrite.due(at("2026-12-01T03:15"))
            await connection.execute(text("ROLLBACK"))
        await rewrite.run_if_due(at("2026-12-01T03:15"))
        assert not rewrite.due(at("2026-12-01T03:25"))
    finally:
        await other.dispose()


async def test_a_database_locked_by_another_program_is_busy_not_broken(
    services: Services,
) -> None:
    """An exclusive lock (say, a backup tool's) makes SQLite raise "database is locked"."""
    await services.close()  # so that the other program can take the lock first
    other = create_engine(f"sqlite:///{services.settings.data_dir / 'meldwijzer.db'}")
    try:
        async with other.connect() as connection:
            await connection.execute(text("PRAGMA locking_mode=EXCLUSIVE"))
            await connection.execute(text("BEGIN EXCLUSIVE"))
            await connection.execute(text("SELECT count(*) FROM signals"))
            assert not await rewrite_in_key_order(services.engine)
            await connection.execute(text("ROLLBACK"))
    finally:
        await other.dispose()
    assert await rewrite_in_key_order(services.engine)


async def test_a_reader_on_an_old_snapshot_keeps_it_due(services: Services) -> None:
    """A checkpoint that cannot empty the log is not a finished rewrite."""
    await submit_in_order(services, 1, [])
    reader = create_engine(f"sqlite:///{services.settings.data_dir / 'meldwijzer.db'}")
    try:
        async with reader.connect() as connection:
            await connection.execute(text("BEGIN"))
            await connection.execute(text("SELECT count(*) FROM signals"))
            assert not await rewrite_in_key_order(services.engine)
            await connection.execute(text("ROLLBACK"))
        assert await rewrite_in_key_order(services.engine)
    finally:
        await reader.dispose()


async def test_postgresql_is_left_alone() -> None:
    """Only SQLite is rewritten here; PostgreSQL's own rewrite is the admin's (docs)."""
    engine = create_engine("postgresql://meldwijzer@127.0.0.1:9/none")  # never connected
    try:
        assert not DailyRewrite(engine).due(at("2026-12-01T03:05"))
    finally:
        await engine.dispose()


async def test_a_failing_rewrite_is_logged_and_tried_again_tomorrow(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """Any other refusal (here a read-only file; in practice a full TMPDIR) never raises."""
    database = services.settings.data_dir / "meldwijzer.db"
    read_only = create_engine(f"sqlite:///file:{database}?mode=ro&uri=true")
    try:
        rewrite = DailyRewrite(read_only)
        await rewrite.run_if_due(at("2026-12-01T03:05"))
        (line,) = [r.getMessage() for r in caplog.records if r.name == "meldwijzer.compaction"]
        assert line.startswith("cannot rewrite the database: ")
        assert line.endswith("; trying again tomorrow")
        assert not rewrite.due(at("2026-12-01T03:15"))
        assert rewrite.due(at("2026-12-02T03:05"))
    finally:
        await read_only.dispose()
