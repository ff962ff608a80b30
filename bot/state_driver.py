"""The two statements of every turn (load, save) in as few trips through the driver as can be.

A turn reads its conversation once and writes it at most once. Through SQLAlchemy's
aiosqlite adapter each statement is four hand-offs to the driver's thread (a cursor, the
execute, the fetch, closing the cursor), and each of the relaxed-durability pragmas around a
save costs as many again: a turn spent about seventeen hand-offs, each a wake-up of another
thread and a fight for the GIL (measured in bench/RESULTS.md, "Web chat turn"). Here, on
SQLite, the same Core statements, compiled once by SQLAlchemy for the engine's dialect, go
straight to aiosqlite's connection (checked out of the engine's pool as usual): a load is
one hand-off, a save four. Values go through the column types' own bind and result
processors, so rows are written and read exactly as SQLAlchemy writes and reads them.

On PostgreSQL the load runs in autocommit: one SELECT needs no BEGIN and ROLLBACK, two
round trips fewer. The save keeps its transaction (``SET LOCAL synchronous_commit``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, Select

# SQLAlchemy's own errors, and what the raw driver raises instead of SQLAlchemy's wrapped
# ones: a locked or broken database file, a renamed table, a closed connection (aiosqlite
# raises ValueError for that).
STORAGE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, sqlite3.Error, ValueError)
AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class CompiledStatement:
    """A Core statement as SQL text for one dialect, with its parameters' order and types."""

    sql: str
    names: tuple[str, ...]
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]

    @classmethod
    def of(cls, statement: ClauseElement, dialect: Dialect) -> CompiledStatement:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler) and compiled.positiontup is not None
        names = tuple(compiled.positiontup)
        binds = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in names
        )
        results: tuple[Processor, ...] = ()
        if isinstance(statement, Select):
            results = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in statement.selected_columns
            )
        return cls(compiled.string, names, binds, results)

    def parameters(self, values: Mapping[str, object]) -> tuple[object, ...]:
        return tuple(
            value if bind is None else bind(value)
            for bind, value in zip(self.binds, (values[name] for name in self.names), strict=True)
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
    driver = await _driver(connection)
    rows = list(await driver.execute_fetchall(statement.sql, statement.parameters(values)))
    return statement.row(rows[0]) if rows else None


async def sqlite_write_relaxed(
    connection: AsyncConnection, statement: CompiledStatement, values: Mapping[str, object]
) -> None:
    """Run and commit one write with ``synchronous=NORMAL``, then FULL again for the pool."""
    driver = await _driver(connection)
    await driver.execute("PRAGMA synchronous=NORMAL")
    try:
        await driver.execute(statement.sql, statement.parameters(values))
        await driver.commit()
    finally:
        # The pool hands this connection to signal writes next: full durability again.
        # PRAGMA synchronous is no part of a transaction: it holds from here on, and SQLite
        # refuses it inside one, which a failed statement leaves open; a connection that
        # cannot be set back is never pooled again.
        try:
            if driver.in_transaction:
                await driver.rollback()
            await driver.execute("PRAGMA synchronous=FULL")
        except BaseException:
            await connection.invalidate()
            raise


async def _driver(connection: AsyncConnection) -> Any:
    """aiosqlite's own connection behind a pooled SQLAlchemy connection."""
    raw = await connection.get_raw_connection()
    return raw.driver_connection
