"""One limit statement per check, committed with relaxed durability; a failure is "busy".

Like the receipt counters (:mod:`bot.signals.attempts`) and conversation positions
(:mod:`bot.state`), a count is committed with SQLite ``synchronous=NORMAL`` or PostgreSQL
``synchronous_commit = off``: a power cut may forget the last counts of a moment ago (a
limit briefly looser), never a signal. On the app's own pool that takes a transaction
around the statement (set, count, commit, and on SQLite set back). The checks made on every
turn go through the relaxed pool instead (:func:`bot.db.create_relaxed_engine`, shared
with the conversation state): autocommit and relaxed for the connection's life, so a check
is the one statement and nothing else, on SQLite in one hand-off to the driver's thread
(measured in bench/RESULTS.md, "Shared rate limiter").

A limit the database cannot check refuses with :class:`~bot.errors.ServerBusy`: the caller
answers "busy, try again shortly" and nothing else happens (no turn, no signal), so a
broken database never turns into an error page nor lets traffic through unlimited.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.expression import ClauseElement, Executable

from bot.db import (
    back_to_full_durability,
    create_relaxed_engine,
    is_relaxed,
    retry_on_new_connection,
)
from bot.errors import ServerBusy
from bot.state_driver import STORAGE_ERRORS, CompiledStatement, sqlite_execute

log = logging.getLogger("meldwijzer.limits")
# Statements compiled for the SQLite path at most (each limit has one).
COMPILED_KEPT = 16


class LimitWrites:
    """Runs a limit's one atomic statement and hands back the row it returned, if any."""

    __slots__ = ("_autocommit", "_compiled", "_engine", "_owned", "_queue", "sqlite")

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        autocommit: bool = False,
        queue: contextlib.AbstractAsyncContextManager[object] | None = None,
    ) -> None:
        """On ``engine``'s pool; ``autocommit`` only for a relaxed pool
        (:func:`bot.db.create_relaxed_engine`); ``queue``: the one this process's other
        writes to the same SQLite file wait in."""
        if autocommit and not is_relaxed(engine):
            raise ValueError("autocommitted checks need a relaxed pool (create_relaxed_engine)")
        self._engine = engine
        self._autocommit = autocommit
        self._owned = False
        self.sqlite = engine.dialect.name == "sqlite"
        # SQLite has one writer at a time; queueing this process's checks is cheaper than
        # its busy handler, which sleeps for milliseconds when writers collide (bot.state).
        self._queue: contextlib.AbstractAsyncContextManager[object] = (
            (queue or asyncio.Lock()) if self.sqlite else contextlib.nullcontext()
        )
        self._compiled: dict[Executable, CompiledStatement] = {}

    @classmethod
    def own_pool(
        cls, url: str, *, queue: contextlib.AbstractAsyncContextManager[object] | None = None
    ) -> LimitWrites:
        """Checks on a relaxed pool of their own on the database at ``url``; :meth:`close`
        it. (The app shares the conversation state's: ``ConversationStore.relaxed``.)

        ``queue``: on SQLite, the queue the process's other writes to that file wait in
        (``ConversationStore.writes_queue``), so a check never collides with them.
        """
        writes = cls(create_relaxed_engine(url), autocommit=True, queue=queue)
        writes._owned = True
        return writes

    @property
    def engine(self) -> AsyncEngine:
        """The pool the statements go to."""
        return self._engine

    async def close(self) -> None:
        """Close the connections of a pool of its own (a shared one is its owner's)."""
        if self._owned:
            await self._engine.dispose()

    async def returning(
        self, statement: Executable, values: Mapping[str, Any]
    ) -> Sequence[Any] | None:
        """The first row ``statement`` returns (None: it changed nothing), committed."""
        try:
            async with self._queue:
                if self._autocommit:  # one statement, committed by itself
                    return await retry_on_new_connection(
                        self._engine, lambda c: self._autocommitted(c, statement, values)
                    )
                async with self._engine.connect() as connection:
                    return await self._relaxed(connection, statement, values)
        except STORAGE_ERRORS as exc:
            # The type only: a statement's parameters are keyed hashes, still not for logs.
            log.warning("a rate limit could not be checked: %s", type(exc).__name__)
            raise ServerBusy("the rate limit cannot be checked") from exc

    async def read(self, statement: Executable, values: Mapping[str, Any]) -> Sequence[Any] | None:
        """The first row of a query, outside the write queue (a read waits for no writer)."""
        try:
            if self._autocommit:
                return await retry_on_new_connection(
                    self._engine, lambda c: self._autocommitted(c, statement, values)
                )
            async with self._engine.connect() as connection:
                return (await connection.execute(statement, dict(values))).first()
        except STORAGE_ERRORS as exc:
            log.warning("a rate limit could not be read: %s", type(exc).__name__)
            raise ServerBusy("the rate limit cannot be read") from exc

    async def _autocommitted(
        self, connection: AsyncConnection, statement: Executable, values: Mapping[str, Any]
    ) -> Sequence[Any] | None:
        if self.sqlite:  # one hand-off to the driver's thread
            rows = await sqlite_execute(connection, self._sql(statement), values)
            return rows[0] if rows else None
        return (await connection.execute(statement, dict(values))).first()

    def _sql(self, statement: Executable) -> CompiledStatement:
        """Compiled once per statement object (a limit builds its statement once); a
        statement compares by identity, and the cache holds it, so no other takes its place."""
        compiled = self._compiled.get(statement)
        if compiled is None:
            if len(self._compiled) >= COMPILED_KEPT:
                self._compiled.clear()
            compiled = CompiledStatement.of(cast(ClauseElement, statement), self._engine.dialect)
            self._compiled[statement] = compiled
        return compiled

    async def _relaxed(
        self, connection: AsyncConnection, statement: Executable, values: Mapping[str, Any]
    ) -> Sequence[Any] | None:
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
