"""Relaxed writes on the app's SQLite pool hand their connection back at full durability.

Counters (receipt look-ups, the turn limit on the app's pool) are committed with
``synchronous=NORMAL`` and the connection set back to FULL, because the pool may hand it to
a signal write next. A statement refused inside its transaction leaves that transaction
open, where SQLite refuses to change the setting: the connection must then be rolled back
first, or never pooled again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bot.app import Services
from bot.errors import ServerBusy, StorageError
from bot.limits import LimitWrites, SharedTurnLimit
from bot.signals.attempts import ReceiptLimits
from bot.signals.writer import SignalWriter

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


async def refuse_inserts_into(services: Services, table: str) -> None:
    async with services.engine.begin() as connection:
        await connection.execute(
            text(
                f"CREATE TRIGGER refuse BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        )


async def every_pooled_connection_synchronous(services: Services) -> set[int]:
    async with contextlib.AsyncExitStack() as stack:
        found = set()
        for _ in range(services.engine.pool.size()):
            connection = await stack.enter_async_context(services.engine.connect())
            found.add(int((await connection.exec_driver_sql("PRAGMA synchronous")).scalar_one()))
        return found


def receipt_miss(services: Services) -> Callable[[], Awaitable[object]]:
    limits = ReceiptLimits(services.sessions, SignalWriter(services.sessions), b"s" * 32)
    return lambda: limits.missed("conversation-bucket", NOW)


def turn_on_the_apps_pool(services: Services) -> Callable[[], Awaitable[object]]:
    limit = SharedTurnLimit(LimitWrites(services.engine), b"s" * 32)
    return lambda: limit.allow("a-token")


@pytest.mark.parametrize(
    ("table", "write", "error"),
    [
        ("receipt_attempts", receipt_miss, StorageError),
        ("rate_windows", turn_on_the_apps_pool, ServerBusy),
    ],
)
async def test_a_counter_refused_inside_its_transaction_leaves_full_durability(
    services: Services,
    table: str,
    write: Callable[[Services], Callable[[], Awaitable[object]]],
    error: type[Exception],
) -> None:
    await refuse_inserts_into(services, table)
    attempt = write(services)
    for _ in range(3):
        with pytest.raises(error):
            await attempt()
    assert await every_pooled_connection_synchronous(services) == {2}  # FULL
