"""One limit statement per check, committed with relaxed durability; a failure is "busy".

Like the receipt counters (:mod:`bot.signals.attempts`) and conversation positions
(:mod:`bot.state`), a count is committed with SQLite ``synchronous=NORMAL`` or PostgreSQL
``synchronous_commit = off``: a power cut may forget the last counts of a moment ago (a
limit briefly looser), never a signal. On the app's own pool that takes a transaction
around the statement (set, count, commit, and on SQLite set back). The checks made on every
turn get a small pool of their own instead (:meth:`LimitWrites.own_pool`): autocommit, and
relaxed once per connection, so a check is the one statement and nothing else (measured in
bench/RESULTS.md, "Shared rate limiter").

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

from sqlalchemy import Row, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql.expression import Executable

from bot.db import async_url, back_to_full_durability, create_engine
from bot.errors import ServerBusy

log = logging.getLogger("meldwijzer.limits")


class LimitWrites:
    """Runs a limit's one atomic statement and hands back the row it returned, if any."""

    __slots__ = ("_autocommit", "_engine", "_queue", "sqlite")

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        autocommit: bool = False,
        queue: contextlib.AbstractAsyncContextManager[object] | None = None,
    ) -> None:
        """On ``engine``'s pool; ``autocommit`` only for an engine made by :meth:`own_pool`;
        ``queue``: the one this process's other writes to the same SQLite file wait in."""
        self._engine = engine
        self._autocommit = autocommit
        self.sqlite = engine.dialect.name == "sqlite"
        # SQLite has one writer at a time; queueing this process's checks is cheaper than
        # its busy handler, which sleeps for milliseconds when writers collide (bot.state).
        self._queue: contextlib.AbstractAsyncContextManager[object] = (
            (queue or asyncio.Lock()) if self.sqlite else contextlib.nullcontext()
        )

    @classmethod
    def own_pool(
        cls, url: str, *, queue: contextlib.AbstractAsyncContextManager[object] | None = None
    ) -> LimitWrites:
        """Checks on a pool of their own on the database at ``url``; :meth:`close` it.

        ``queue``: on SQLite, the queue the process's other writes to that file wait in
        (``ConversationStore.writes_queue``), so a check never collides with them.
        """
        if async_url(url).startswith("sqlite"):
            engine = create_engine(url)  # the app's pragmas (file mode, WAL, busy timeout)
            event.listen(engine.sync_engine, "connect", _relaxed_sqlite)  # runs after them
            autocommitted = engine.execution_options(isolation_level="AUTOCOMMIT")
            return cls(autocommitted, autocommit=True, queue=queue)
        # No ping before each checkout (a round trip per check): after the server dropped
        # the connections, one check is "busy" and the pool is made anew.
        engine = create_async_engine(
            async_url(url),
            isolation_level="AUTOCOMMIT",
            connect_args={"options": "-c synchronous_commit=off"},
        )
        return cls(engine, autocommit=True)

    async def close(self) -> None:
        """Close the connections of a pool of its own (at the app's stop)."""
        await self._engine.dispose()

    async def returning(self, statement: Executable, values: Mapping[str, Any]) -> Row[Any] | None:
        """The first row ``statement`` returns (None: it changed nothing), committed."""
        try:
            async with self._queue, self._engine.connect() as connection:
                if self._autocommit:  # committed by itself, durability relaxed per connection
                    return (await connection.execute(statement, dict(values))).first()
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
            await back_to_full_durability(connection)


def _relaxed_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """A connection of the limits' own pool: only counts are ever written through it."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
