"""Every turn's statements go through the relaxed pool, and nothing else does.

The relaxed pool (``bot.db.create_relaxed_engine``) holds conversation state and the turn
limit's counts: autocommit, relaxed durability for the connection's life, a fixed size. The
app's own pool keeps full durability for signals, and a turn leaves it alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
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
from bot.state import ConversationStore
from dialogs.base import DialogState
from tests.signals.conftest import Build, build_on, open_intake, receipt_in, reporter

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
    # One statement per counted turn; the third is refused from the replica's memory of the
    # full window (bot.limits.windows) and sends none.
    assert seen == ([] if sqlite else ["INSERT"] * 2)
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


# ---- failures on the relaxed pool --------------------------------------------------


async def refuse_conversation_writes(services: Services) -> None:
    """From now on the database refuses every write of conversation state; reads still work."""
    statements_by_dialect = {
        "sqlite": [
            "CREATE TRIGGER refuse_insert BEFORE INSERT ON conversations "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END",
            "CREATE TRIGGER refuse_update BEFORE UPDATE ON conversations "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END",
        ],
        "postgresql": [
            "CREATE OR REPLACE FUNCTION meldwijzer_test_refuse() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$",
            "CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON conversations "
            "FOR EACH ROW EXECUTE FUNCTION meldwijzer_test_refuse()",
        ],
    }
    async with services.engine.begin() as connection:
        for statement in statements_by_dialect[services.engine.dialect.name]:
            await connection.execute(text(statement))


async def signals_stored(services: Services) -> int:
    async with services.engine.connect() as connection:
        return int((await connection.execute(text("SELECT count(*) FROM signals"))).scalar_one())


async def test_a_signal_stored_when_its_conversation_cannot_be_saved_still_shows_its_receipt(
    build_on: Build, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    services = await build_on()
    person = reporter(services)
    await open_intake(person)
    await refuse_conversation_writes(services)
    replies = await person.submit(
        "signal:intake", what="Canary-Text-0d1e: a remark", role="target", kinds="racism"
    )
    # The receipt is shown once: an apology in its place would leave a stored signal that
    # nobody can ever follow up, and a reporter likely to send it again.
    receipt = receipt_in(replies)
    assert await signals_stored(services) == 1
    # The log says what failed, never what was written, the receipt or whose it was.
    assert "conversation not saved" in caplog.text
    for secret in (receipt, "Canary-Text-0d1e", person.conversation):
        assert secret not in caplog.text


async def test_a_turn_whose_conversation_cannot_be_saved_and_did_nothing_else_apologises(
    build_on: Build,
) -> None:
    services = await build_on()
    person = reporter(services)
    await refuse_conversation_writes(services)
    replies = await person.press("topic:signal")
    assert len(replies) == 1 and "not saved" in replies[0].text


# A SQLite file has no server to drop its connections: PostgreSQL only.
@pytest.mark.parametrize(
    "build_on", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_after_the_database_dropped_every_connection_the_next_turn_still_works(
    build_on: Build,
) -> None:
    """A restart (or a proxy's idle timeout) leaves dead connections in a pool that pings
    nothing; the turn's statements try once more on a fresh connection."""
    services = await build_on()
    limit = SharedTurnLimit(
        LimitWrites(services.store.relaxed, autocommit=True), b"s" * 32, most=100
    )
    person = reporter(services)
    await open_intake(person)
    assert await limit.allow("token")
    assert services.store.relaxed.pool.checkedin() >= 1
    async with services.engine.connect() as connection:
        await connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    assert await limit.allow("token")
    replies = await person.submit(
        "signal:intake", what="Canary-Text-0d1e: a remark", role="target", kinds="racism"
    )
    assert receipt_in(replies)
    # And the conversation moved on: its next step was saved.
    found = await services.store.load(services.store.key(turn(person.conversation, Kind.TEXT)), NOW)
    assert found is not None


async def test_a_save_cancelled_while_it_waits_for_the_database_lands_before_the_next_one(
    services: Services,
) -> None:
    """On SQLite a statement handed to the driver's thread runs to its end even when the
    task that handed it over is cancelled (a graceful stop's deadline): the save after it
    must not be overtaken and then overwritten by it."""
    database = services.settings.data_dir / "meldwijzer.db"
    async with contextlib.AsyncExitStack() as stack:  # several connections in the pool
        for _ in range(4):
            connection = await stack.enter_async_context(services.store.relaxed.connect())
            await connection.get_raw_connection()
    await services.store.save("race", _session("start"), NOW)
    other = sqlite3.connect(database, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        older = asyncio.create_task(services.store.save("race", _session("older"), NOW))
        # Handed over, and waiting in SQLite's busy handler, which sleeps longer the longer
        # it waits (up to 100 ms at a time): a statement handed over later tries sooner.
        await asyncio.sleep(1.5)
        older.cancel()
        newer = asyncio.create_task(services.store.save("race", _session("newer"), NOW))
        await asyncio.sleep(0.05)
        other.execute("ROLLBACK")
        with pytest.raises(asyncio.CancelledError):
            await older
        await newer
    finally:
        other.close()
    await asyncio.sleep(0.3)  # anything still running in the driver's thread has landed
    loaded = await services.store.load("race", NOW)
    assert loaded is not None and loaded.state.step == "newer"


def test_the_state_and_the_limits_refuse_an_engine_that_is_not_relaxed(
    services: Services,
) -> None:
    # A write without a commit on an ordinary engine is rolled back at checkin: lost, and
    # no error said so.
    with pytest.raises(ValueError, match="relaxed"):
        ConversationStore(services.engine, services.engine, b"s" * 32, timedelta(hours=1))
    with pytest.raises(ValueError, match="relaxed"):
        LimitWrites(services.engine, autocommit=True)


def _session(step: str) -> Session:
    return Session(lang="en", state=DialogState("options", step, MappingProxyType({})))
