"""The statements of every turn (limit, load, save) in as few trips through the driver as can be.

A turn counts itself against its limit, reads its conversation once and writes it at most
once, each one statement on the relaxed pool (:func:`bot.db.create_relaxed_engine`:
autocommit, relaxed durability for the connection's life, nothing reset on return).
Through SQLAlchemy's aiosqlite adapter each statement is four hand-offs to the driver's
thread (a cursor, the execute, the fetch, closing the cursor), each a wake-up of another
thread and a fight for the GIL (measured in bench/RESULTS.md, "Web chat turn"). Here, on
SQLite, the same Core statements, compiled once by SQLAlchemy for the engine's dialect, go
straight to aiosqlite's connection (checked out of the engine's pool as usual): one
hand-off each. Values go through the column types' own bind and result processors, so rows
are written and read exactly as SQLAlchemy writes and reads them.

On PostgreSQL each is one round trip: no ping, BEGIN, SET or COMMIT around it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, ReturnsRows

# SQLAlchemy's own errors, and what the raw driver raises instead of SQLAlchemy's wrapped
# ones: a locked or broken database file, a renamed table, a closed connection (aiosqlite
# raises ValueError for that).
STORAGE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, sqlite3.Error, ValueError)

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class CompiledStatement:
    """A Core statement as SQL text for one dialect, with its parameters' order and types."""

    sql: str
    names: tuple[str, ...]
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]
    # The statement's own literals (``count=1``, ``CASE … THEN 1``), by parameter name.
    fixed: Mapping[str, object]

    @classmethod
    def of(cls, statement: ClauseElement, dialect: Dialect) -> CompiledStatement:
        """Only what this module can run as SQLAlchemy would: no defaults computed in Python
        (a column left out of an INSERT would be written NULL here), no bind computed at
        execution time."""
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler) and compiled.positiontup is not None
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError("a statement with Python-side defaults cannot go to the driver")
        names = tuple(compiled.positiontup)
        params = [compiled.binds[name] for name in names]
        if any(param.callable is not None for param in params):
            raise ValueError("a bind computed at execution time cannot go to the driver")
        binds = tuple(param.type.dialect_impl(dialect).bind_processor(dialect) for param in params)
        fixed = {name: p.value for name, p in zip(names, params, strict=True) if not p.required}
        # A SELECT's columns, or what an INSERT … RETURNING hands back.
        returned = statement.exported_columns if isinstance(statement, ReturnsRows) else ()
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in returned
        )
        return cls(compiled.string, names, binds, results, fixed)

    def parameters(self, values: Mapping[str, object]) -> tuple[object, ...]:
        fixed = self.fixed
        if fixed and not fixed.keys().isdisjoint(values):
            # A name of the statement's own literal: SQLAlchemy would take the caller's
            # value, this module its literal; neither is what the caller should rely on.
            raise ValueError(f"values name a literal of the statement: {sorted(fixed)}")
        given = (fixed[name] if name in fixed else values[name] for name in self.names)
        return tuple(
            value if bind is None else bind(value)
            for bind, value in zip(self.binds, given, strict=True)
        )

    def row(self, raw: Sequence[object]) -> tuple[object, ...]:
        return tuple(
            value if result is None else result(value)
            for result, value in zip(self.results, raw, strict=True)
        )


async def sqlite_fetch_one(
    connection: AsyncConnection, statement: CompiledStatement, values: Mapping[str, object]
) -> tuple[object, ...] | None:
    """The first row of a SELECT, in one hand-off to aiosqlite's thread (or None)."""
    rows = await _to_the_end(connection, statement, values)
    return statement.row(rows[0]) if rows else None


async def sqlite_execute(
    connection: AsyncConnection, statement: CompiledStatement, values: Mapping[str, object]
) -> list[tuple[object, ...]]:
    """Run one statement on an autocommit connection of the relaxed pool, in one hand-off:
    it is its own transaction, committed (or, failing, undone) when it ends; the rows it
    returned (``RETURNING``), if any."""
    return [statement.row(raw) for raw in await _to_the_end(connection, statement, values)]


async def _to_the_end(
    connection: AsyncConnection, statement: CompiledStatement, values: Mapping[str, object]
) -> list[Any]:
    """The statement's rows; a caller cancelled meanwhile still waits for it to finish.

    In autocommit a statement handed to the driver's thread runs to its end whatever
    happens to the task that handed it over. Were the caller to go on at once, it would give
    back the connection and the write queue while the statement still ran, and a save made
    next could land before this older one and be overwritten by it.
    """
    driver: Any = (await connection.get_raw_connection()).driver_connection
    running = asyncio.ensure_future(
        driver.execute_fetchall(statement.sql, statement.parameters(values))
    )
    try:
        return list(await asyncio.shield(running))
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await running
        raise
