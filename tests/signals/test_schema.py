"""The tables that hold signals have no place for who sent them or when exactly."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import Date, DateTime, inspect

import bot.models  # noqa: F401  (registers every table)
from bot.app import Services
from bot.db import Base
from tests.signals.conftest import submit_signal, values

SIGNAL_TABLES = ("signals", "signal_messages", "signal_wraps", "receipt_attempts")
# Whole words that would point at a person or a conversation.
IDENTIFYING_WORDS = {"user", "sender", "conversation", "from", "name", "aad", "ip", "email"}


def identifying(column: str) -> set[str]:
    words = set(re.split(r"[_\W]+", column.lower()))
    parts = {w for w in IDENTIFYING_WORDS if len(w) > 3 and w in column.lower()}
    return (words & IDENTIFYING_WORDS) | parts


def test_the_word_check_catches_what_it_should() -> None:
    assert identifying("sender_id") == {"sender"}
    assert identifying("client_ip") == {"ip"}
    assert identifying("username") == {"user", "name"}
    assert identifying("receipt_wrap") == set(), "'ip' inside 'receipt' is no address"


@pytest.mark.parametrize("table", SIGNAL_TABLES)
def test_no_signal_table_names_a_person_or_a_conversation(table: str) -> None:
    columns = Base.metadata.tables[table].columns
    assert {c.name: identifying(c.name) for c in columns if identifying(c.name)} == {}


@pytest.mark.parametrize("table", SIGNAL_TABLES)
def test_no_signal_table_has_a_time_only_dates(table: str) -> None:
    columns = Base.metadata.tables[table].columns
    assert [c.name for c in columns if isinstance(c.type, DateTime)] == []


@pytest.mark.parametrize("table", ["signals", "signal_messages"])
def test_signals_and_messages_carry_a_date(table: str) -> None:
    types = {c.name: c.type for c in Base.metadata.tables[table].columns}
    assert isinstance(types["created_on"], Date) and not isinstance(types["created_on"], DateTime)


def _reflected(connection: Any) -> dict[str, list[dict[str, Any]]]:
    inspector = inspect(connection)
    return {table: inspector.get_columns(table) for table in SIGNAL_TABLES}


async def test_the_migrated_database_keeps_the_same_promises(services: Services) -> None:
    async with services.engine.connect() as connection:
        reflected = await connection.run_sync(_reflected)
    for table, columns in reflected.items():
        assert [c["name"] for c in columns if identifying(c["name"])] == [], table
        declared = [str(c["type"]).upper() for c in columns]
        assert not any("DATETIME" in d or "TIMESTAMP" in d for d in declared), table


async def test_stored_dates_have_no_time_of_day(services: Services) -> None:
    await submit_signal(services)
    ((signal_day,),) = await values(services, "signals", "created_on")
    ((message_day,),) = await values(services, "signal_messages", "created_on")
    for day in (signal_day, message_day):
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(day)), day
