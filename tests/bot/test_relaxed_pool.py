"""Every turn's statements go through the relaxed pool, and nothing else does.

The relaxed pool (``bot.db.create_relaxed_engine``) holds conversation state and the turn
limit's counts: autocommit, relaxed durability for the connection's life, a fixed size. The
app's own pool keeps full durability for signals, and a turn leaves it alone.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import Services
from bot.core import Channel, Incoming, Kind
from bot.db import RELAXED_POOL_SIZE
from bot.errors import StorageError
from bot.limits import LimitWrites, SharedTurnLimit
from bot.router import Session
from dialogs.base import DialogState
from tests.signals.conftest import Build, build_on

__all__ = ["build_on"]  # the fixture, imported for pytest
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


@contextlib.contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL every connection of ``engine`` sends while the block runs."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.split(None, 1)[0].upper())

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)


@contextlib.contextmanager
def connections_opened(engine: AsyncEngine) -> Iterator[list[object]]:
    opened: list[object] = []

    def note(dbapi_connection: object, _record: Any) -> None:
        opened.append(dbapi_connection)

    event.listen(engine.sync_engine, "connect", note)
    try:
        yield opened
    finally:
        event.remove(engine.sync_engine, "connect", note)


async def durability(engine: AsyncEngine, sqlite: bool) -> str:
    query = "PRAGMA synchronous" if sqlite else "SHOW synchronous_commit"
    async with engine.connect() as connection:
        return str((await connection.exec_driver_sql(query)).scalar_one())


def turn(conversation: str, kind: Kind, **fields: str) -> Incoming:
    return Incoming(Channel.WEBCHAT, conversation, kind, locale="en", **fields)  # type: ignore[arg-type]


async def test_a_turn_writes_only_through_the_relaxed_pool(build_on: Build) -> None:
    # Counts written daily, as in production: the turn's own statements are what is seen.
    services = await build_on(stats_flush_minutes=24 * 60)
    sqlite = services.engine.dialect.name == "sqlite"
    await services.conversations.handle(turn("c", Kind.START))
    with statements(services.engine) as on_app, statements(services.store.relaxed) as relaxed:
        await services.conversations.handle(turn("c", Kind.ACTION, action="topic:bystander"))
    assert on_app == []
    # One statement to load and one to save; no BEGIN, SET or COMMIT around them. (On
    # SQLite the statements go to the driver directly, unseen by SQLAlchemy's events.)
    assert relaxed == ([] if sqlite else ["SELECT", "INSERT"])
    # Relaxed there (SQLite NORMAL = 1), full durability on the app's pool (FULL = 2).
    assert await durability(services.store.relaxed, sqlite) == ("1" if sqlite else "off")
    assert await durability(services.engine, sqlite) == ("2" if sqlite else "on")


async def test_a_turn_limit_check_is_one_statement_on_the_relaxed_pool(build_on: Build) -> None:
    services = await build_on()
    relaxed = services.store.relaxed
    limit = SharedTurnLimit(
        LimitWrites(relaxed, autocommit=True, queue=services.store.writes_queue), b"s" * 32, most=2
    )
    with statements(relaxed) as seen:
        assert [await limit.allow("token") for _ in range(3)] == [True, True, False]
    sqlite = services.engine.dialect.name == "sqlite"
    assert seen == ([] if sqlite else ["INSERT"] * 3)
    async with services.engine.connect() as connection:
        counted = (await connection.execute(text("SELECT count FROM rate_windows"))).scalar_one()
    assert counted == 2  # committed by itself, visible on another pool at once


async def test_a_failed_save_leaves_nothing_open_and_the_next_one_works(build_on: Build) -> None:
    services = await build_on()
    sqlite = services.engine.dialect.name == "sqlite"
    async with services.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE conversations RENAME TO elsewhere"))
    with pytest.raises(StorageError):
        await _save(services)
    async with services.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE elsewhere RENAME TO conversations"))
    await _save(services)
    loaded = await services.store.load("k", NOW)
    assert loaded is not None and loaded.state.dialog == "options"
    # Every pooled relaxed connection is idle: no transaction left behind by the failure.
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(services.store.relaxed.pool.checkedin()):
            connection = await stack.enter_async_context(services.store.relaxed.connect())
            raw = await connection.get_raw_connection()
            if sqlite:
                assert not raw.driver_connection.in_transaction
            else:
                assert raw.driver_connection.info.transaction_status.name == "IDLE"


async def test_a_burst_of_turns_opens_no_more_connections_than_the_pool_holds(
    build_on: Build,
) -> None:
    services = await build_on()
    await services.conversations.handle(turn("warm", Kind.START))
    with connections_opened(services.store.relaxed) as opened:
        await asyncio.gather(
            *(services.conversations.handle(turn(f"c{n}", Kind.START)) for n in range(60))
        )
    # A burst waits for the pool's connections instead of opening (and on SQLite starting
    # a thread for) one per turn and closing it again.
    assert len(opened) <= RELAXED_POOL_SIZE
    assert services.store.relaxed.pool.checkedout() == 0
    async with services.engine.connect() as connection:
        stored = (await connection.execute(text("SELECT count(*) FROM conversations"))).scalar()
    assert stored == 61


async def test_closing_the_services_closes_the_relaxed_pool(services: Services) -> None:
    await services.conversations.handle(turn("c", Kind.START))
    assert services.store.relaxed.pool.checkedin() >= 1
    await services.close()
    assert services.store.relaxed.pool.checkedin() == 0


async def _save(services: Services) -> None:
    state = DialogState("options", "ask", MappingProxyType({}))
    await services.store.save("k", Session(lang="en", state=state), NOW)
