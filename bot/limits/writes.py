"""One limit statement per check, committed with relaxed durability; a failure is "busy".

Like the receipt counters (:mod:`bot.signals.attempts`) and conversation positions
(:mod:`bot.state`), a count is committed with SQLite ``synchronous=NORMAL`` or PostgreSQL
``synchronous_commit = off`` for this one transaction: a power cut may forget the last
counts of a moment ago (a limit briefly looser), never a signal.

A limit the database cannot check refuses with :class:`~bot.errors.ServerBusy`: the caller
answers "busy, try again shortly" and nothing else happens (no turn, no signal), so a
broken database never turns into an error page nor lets traffic through unlimited.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.expression import Executable

from bot.errors import ServerBusy

log = logging.getLogger("meldwijzer.limits")


class LimitWrites:
    """Runs a limit's one atomic statement and hands back the row it returned, if any."""

    __slots__ = ("_engine", "_queue", "sqlite")

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        # SQLite has one writer at a time; queueing this process's checks is cheaper than
        # its busy handler, which sleeps for milliseconds when writers collide (bot.state).
        self._queue: contextlib.AbstractAsyncContextManager[object] = (
            asyncio.Lock() if self.sqlite else contextlib.nullcontext()
        )

    async def returning(self, statement: Executable, values: Mapping[str, Any]) -> Row[Any] | None:
        """The first row ``statement`` returns (None: it changed nothing), committed."""
        try:
            async with self._queue, self._engine.connect() as connection:
                return await self._relaxed(connection, statement, values)
        except SQLAlchemyError as exc:
            # The type only: a statement's parameters are keyed hashes, still not for logs.
            log.warning("a rate limit could not be checked: %s", type(exc).__name__)
            raise ServerBusy("the rate limit cannot be checked") from exc

    async def _relaxed(
        self, connection: AsyncConnection, statement: Executable, values: Mapping[str, Any]
    ) -> Row[Any] | None:
        if not self.sqlite:
            await connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            row = (await connection.execute(statement, dict(values))).first()
            await connection.commit()
            return row
        await connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
        try:
            row = (await connection.execute(statement, dict(values))).first()
            await connection.commit()
            return row
        finally:
            # The pool hands this connection to signal writes next: full durability again.
            await connection.exec_driver_sql("PRAGMA synchronous=FULL")
            await connection.commit()
