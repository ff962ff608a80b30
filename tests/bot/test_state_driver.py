"""Conversation state on SQLite through the driver directly: few hand-offs, same rows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects import sqlite

from bot.app import Services
from bot.core import Channel, Incoming, Kind
from bot.errors import StorageError
from bot.router import Session
from bot.settings import Settings
from bot.state import ConversationRow
from bot.state_driver import CompiledStatement, sqlite_execute
from dialogs.base import DialogState
from tests.bot.test_relaxed_writes import every_pooled_connection_synchronous
from tests.conftest import TEST_KDF

NOW = datetime(2026, 3, 4, 10, 17, 5, 123456, tzinfo=UTC)
SESSION = Session(
    lang="en",
    lang_chosen=True,
    state=DialogState("options", "ask", MappingProxyType({"naam": "Zoë", "n": "2"})),
    adviser_session="",
    counted=frozenset({"funnel/conversation", "conversations/webchat"}),
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Counts written daily, as in production: a turn's own work is what is counted here."""
    return Settings(data_dir=tmp_path / "data", stats_flush_minutes=24 * 60, **TEST_KDF)  # type: ignore[arg-type]


@pytest.fixture
def handoffs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every call aiosqlite queues for its thread (the far side of the adapter)."""
    seen: list[str] = []
    queue = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(getattr(fn, "func", fn), "__qualname__", repr(fn)))
        return await queue(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield seen


async def test_a_turn_that_saves_hands_off_to_the_driver_thread_a_few_times(
    services: Services, handoffs: list[str]
) -> None:
    # Each hand-off wakes aiosqlite's thread and waits for the GIL: the old path queued about
    # seventeen per saving turn (a cursor, execute, fetch and close per statement).
    start = Incoming(Channel.WEBCHAT, "a-conversation", Kind.START, locale="nl")
    await services.conversations.handle(start)  # opens the pooled connection
    handoffs.clear()
    await services.conversations.handle(
        Incoming(Channel.WEBCHAT, "a-conversation", Kind.ACTION, action="topic:bystander")
    )
    # Now: one to load, one to save, each a single statement in autocommit.
    assert len(handoffs) == 2, " ".join(handoffs)


async def test_a_load_is_one_statement_and_the_pool_reset(
    services: Services, handoffs: list[str]
) -> None:
    key = services.store.key(Incoming(Channel.WEBCHAT, "c", Kind.START))
    await services.store.save(key, SESSION, NOW)
    handoffs.clear()
    assert await services.store.load(key, NOW) == SESSION
    assert len(handoffs) == 1, handoffs  # and nothing to reset: the relaxed pool autocommits


async def test_rows_the_store_writes_read_the_same_through_sqlalchemy(services: Services) -> None:
    await services.store.save("k", SESSION, NOW)
    async with services.sessions() as db:
        row = (await db.execute(select(ConversationRow))).scalar_one()
    assert (row.key, row.lang, row.lang_chosen, row.dialog, row.step) == (
        "k",
        "en",
        True,
        "options",
        "ask",
    )
    assert json.loads(row.data) == {"naam": "Zoë", "n": "2"}
    assert row.counted == "conversations/webchat funnel/conversation"
    # Rounded up to the hour after the lifetime, so the row does not tell the minute.
    assert row.expires_at.replace(tzinfo=UTC) == datetime(2026, 3, 4, 12, tzinfo=UTC)


async def test_a_row_sqlalchemy_wrote_loads_through_the_driver(services: Services) -> None:
    async with services.sessions() as db:
        db.add(
            ConversationRow(
                key="k",
                lang="nl",
                lang_chosen=False,
                dialog="d",
                step="s",
                data='{"a": "é"}',
                adviser_session="session",
                counted="funnel/conversation",
                expires_at=datetime(2026, 3, 4, 12, tzinfo=UTC),
            )
        )
        await db.commit()
    loaded = await services.store.load_with_expiry("k", NOW)
    assert loaded is not None
    session, expires = loaded
    assert session == Session(
        "nl",
        False,
        DialogState("d", "s", MappingProxyType({"a": "é"})),
        "session",
        frozenset({"funnel/conversation"}),
    )
    assert expires == datetime(2026, 3, 4, 12, tzinfo=UTC)
    assert await services.store.load("k", datetime(2026, 3, 4, 12, tzinfo=UTC)) is None


async def _synchronous(services: Services) -> int:
    async with services.engine.connect() as connection:
        return int((await connection.exec_driver_sql("PRAGMA synchronous")).scalar_one())


async def test_a_save_leaves_the_pooled_connection_at_full_durability(services: Services) -> None:
    await services.store.save("k", SESSION, NOW)
    assert await _synchronous(services) == 2  # FULL, for the signal write that may come next


async def test_a_broken_table_is_a_storage_error_and_leaves_full_durability(
    services: Services,
) -> None:
    async with services.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE conversations RENAME TO elsewhere"))
    with pytest.raises(StorageError):
        await services.store.save("k", SESSION, NOW)
    with pytest.raises(StorageError):
        await services.store.load("k", NOW)
    assert await _synchronous(services) == 2


async def test_a_write_refused_inside_its_transaction_leaves_full_durability(
    services: Services,
) -> None:
    """A failed statement leaves its transaction open, where SQLite refuses to change the
    setting: the connection must not go back to the pool relaxed, for signal writes."""
    async with services.engine.begin() as connection:
        await connection.execute(
            text(
                "CREATE TRIGGER refuse BEFORE INSERT ON conversations "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        )
    for _ in range(3):
        with pytest.raises(StorageError):
            await services.store.save("k", SESSION, NOW)
    assert await every_pooled_connection_synchronous(services) == {2}


# ---- what the driver path refuses to compile --------------------------------------

_metadata = MetaData()
_defaults = Table(
    "defaults",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("step", String, default="start"),
    Column("seen", DateTime(timezone=True)),
)


def test_a_statement_with_python_side_defaults_is_refused() -> None:
    # SQLAlchemy computes the default itself and adds it to the parameters; straight to the
    # driver the column would be written NULL.
    with pytest.raises(ValueError, match="defaults"):
        CompiledStatement.of(insert(_defaults).values(id=bindparam("id")), sqlite.dialect())


def test_a_bind_computed_at_execution_time_is_refused() -> None:
    computed = bindparam("step", callable_=lambda: "now")
    statement = update(_defaults).values(step=computed)
    with pytest.raises(ValueError, match="execution time"):
        CompiledStatement.of(statement, sqlite.dialect())


def test_a_value_given_for_a_literal_of_the_statement_is_refused() -> None:
    statement = (
        update(_defaults).where(_defaults.c.id == bindparam("id")).values(step=literal("fixed"))
    )
    compiled = CompiledStatement.of(statement, sqlite.dialect())
    assert compiled.parameters({"id": 1}) == ("fixed", 1)
    with pytest.raises(ValueError, match="literal"):
        compiled.parameters({"id": 1, **dict.fromkeys(compiled.fixed, "caller")})


async def test_returning_columns_come_back_as_sqlalchemy_reads_them(services: Services) -> None:
    """A RETURNING column goes through its type's result processor, as a SELECT's does."""
    statement = (
        insert(ConversationRow)
        .values(
            key=bindparam("key"),
            lang="en",
            lang_chosen=True,
            dialog="",
            step="",
            data="{}",
            adviser_session="",
            counted="",
            expires_at=bindparam("expires_at"),
        )
        .returning(ConversationRow.lang_chosen, ConversationRow.expires_at)
    )
    compiled = CompiledStatement.of(statement, services.engine.dialect)
    async with services.store.relaxed.connect() as connection:
        rows = await sqlite_execute(connection, compiled, {"key": "r", "expires_at": NOW})
    assert rows == [(True, NOW.replace(tzinfo=None))]
