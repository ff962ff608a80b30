"""No trace of the order in which signals came: no rowid, no counter, plain reads in key order."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.app import Services
from tests.signals.conftest import add_to_thread, submit_signal

ORDERLESS = ("signals", "signal_messages", "signal_wraps", "receipt_attempts", "signal_opens")
KEYS = {"signals": 1, "signal_messages": 2, "signal_wraps": 2}  # leading key columns


async def plain(services: Services, query: str) -> list[tuple[Any, ...]]:
    async with services.sessions() as db:
        return [tuple(row) for row in (await db.execute(text(query))).all()]


async def submitted_in_order(services: Services, count: int) -> list[str]:
    """Signals sent one after the other, each with an addition; their ids in that order."""
    order = []
    for n in range(count):
        sent = await submit_signal(services, what=f"Canary-Text-order{n}")
        await add_to_thread(sent.person, sent.receipt, f"Canary-Addition-order{n}")
        (new,) = {row[0] for row in await plain(services, "SELECT id FROM signals")} - set(order)
        order.append(new)
    return order


@pytest.mark.parametrize("table", ORDERLESS)
async def test_the_signal_tables_have_no_rowid(services: Services, table: str) -> None:
    ((sql,),) = await plain(services, f"SELECT sql FROM sqlite_master WHERE name = '{table}'")
    assert "WITHOUT ROWID" in sql.upper()
    with pytest.raises(OperationalError, match="rowid"):
        await plain(services, f"SELECT rowid FROM {table}")


async def test_messages_are_keyed_by_signal_and_sequence_only(services: Services) -> None:
    columns = {row[1] for row in await plain(services, "PRAGMA table_info(signal_messages)")}
    assert columns == {"signal_id", "sequence", "author", "created_on", "sealed"}
    assert (
        await plain(services, "SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'") == []
    )


async def test_a_plain_read_returns_rows_in_random_key_order(services: Services) -> None:
    """Eight signals in a known order: a read without ORDER BY gives the sorted random ids."""
    order = await submitted_in_order(services, 8)
    assert sorted(order) != order, "the ids are random (1 in 40320 this fails by chance)"
    # SELECT * (not only the key): a covering index would return key order anyway.
    for table, width in KEYS.items():
        keys = [row[:width] for row in await plain(services, f"SELECT * FROM {table}")]
        assert keys == sorted(keys), table
    assert [row[0] for row in await plain(services, "SELECT * FROM signals")] == sorted(order)
