"""The database: one async engine and session factory, built once by ``create_app``.

SQLite (through aiosqlite) is the embedded default; PostgreSQL (psycopg 3) is the
production path. Every table derives from :class:`Base` so Alembic sees one metadata.
"""

from __future__ import annotations

import contextlib
import logging
import os
import weakref
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from bot.errors import ConfigError

T = TypeVar("T")


class Base(DeclarativeBase):
    """Metadata shared by every table."""


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{(data_dir / 'meldwijzer.db').resolve()}"


def async_url(url: str) -> str:
    """Pick the async driver for a plain URL (``postgresql://`` becomes psycopg 3)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError("MELDWIJZER_DATABASE_URL is not a valid database URL") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ConfigError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    _owner_only(cursor)
    # WAL lets readers run beside the writer; secure_delete overwrites deleted rows so a
    # deleted signal leaves no ciphertext behind in free pages.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # FULL, not WAL's usual NORMAL: a signal whose receipt was shown must survive a power
    # cut. It costs an fsync per commit; measured in bench/RESULTS.md.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _owner_only(cursor: Any) -> None:
    """Make the database file and its companions mode 0600, whatever the umask.

    SQLite creates the main file with 0644 less the umask, and gives the ``-wal``,
    ``-shm`` and ``-journal`` files the main file's permissions (``findCreateFileMode`` and
    ``unixOpenSharedMemory`` in ``os_unix.c``). So tightening the main file as soon as the
    connection exists, before the pragmas below create the log, covers files yet to come; the
    companions are tightened too in case an older version or another tool left them looser.
    """
    cursor.execute("PRAGMA database_list")
    for _seq, _name, filename in cursor.fetchall():
        if not filename:  # an in-memory or temporary database
            continue
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.chmod(f"{filename}{suffix}", 0o600)


def create_engine(url: str) -> AsyncEngine:
    driver_url = async_url(url)
    # A ping before each checkout guards against a PostgreSQL server that dropped the
    # connection; a local SQLite file needs none, and it would cost a round trip per query.
    engine = create_async_engine(driver_url, pool_pre_ping=not driver_url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        _quiet_driver_log()
    return engine


# The relaxed pool's size: every turn checks a connection out up to three times (limit,
# load, save), each for one statement. A fixed pool queues turns when all are out instead
# of opening (and, on SQLite, starting a thread for) a connection per burst and closing it.
RELAXED_POOL_SIZE = 8
RELAXED_POOL_WAIT_SECONDS = 10
# PostgreSQL: a new connection in at most 5 s, and a dead peer noticed by the client in
# about 20 s (libpq "Parameter Key Words": connect_timeout, keepalives*, tcp_user_timeout),
# so a silently dropped connection cannot hold one of the few places for long.
RELAXED_POSTGRES_CONNECT = {
    "application_name": "meldwijzer turns",
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 15000,
}
_relaxed_engines: weakref.WeakSet[AsyncEngine] = weakref.WeakSet()


def create_relaxed_engine(url: str) -> AsyncEngine:
    """The pool of every turn's statements: conversation state and limit counts, nothing else.

    Autocommit, so a statement is its own transaction (no BEGIN, COMMIT or SET around it),
    and relaxed durability for the connection's whole life (SQLite ``synchronous=NORMAL``,
    PostgreSQL ``synchronous_commit = off``): a power cut may forget where someone was in
    a dialog a moment ago, or the last counts, never a signal, which is never written here.
    With autocommit nothing is left to roll back when a connection goes back to the pool,
    so it goes back as it is; a fixed size, so a burst waits instead of opening connections.

    No ping before each checkout on PostgreSQL (a round trip per statement): after the
    server dropped the connections, the first statement on each fails, the pool is made
    anew, and the callers try once more on a fresh connection (:func:`retry_on_new_connection`).
    """
    driver_url = async_url(url)
    sqlite = driver_url.startswith("sqlite")
    engine = create_async_engine(
        driver_url,
        isolation_level="AUTOCOMMIT",
        pool_reset_on_return=None,
        pool_size=RELAXED_POOL_SIZE,
        max_overflow=0,
        pool_timeout=RELAXED_POOL_WAIT_SECONDS,
        **({} if sqlite else {"connect_args": _postgres_connect_args(driver_url)}),
    )
    if sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "connect", _relaxed_sqlite)  # runs after them
        _quiet_driver_log()
    else:
        event.listen(engine.sync_engine, "connect", _relaxed_postgres)
    _relaxed_engines.add(engine)
    return engine


def is_relaxed(engine: AsyncEngine) -> bool:
    """True for an engine made by :func:`create_relaxed_engine` (autocommit: a write through
    any other engine without a commit would be rolled back, and lost without an error)."""
    return engine in _relaxed_engines


def _postgres_connect_args(driver_url: str) -> dict[str, object]:
    given = set(make_url(driver_url).query)  # what the admin's URL sets wins
    return {key: value for key, value in RELAXED_POSTGRES_CONNECT.items() if key not in given}


def _relaxed_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _relaxed_postgres(dbapi_connection: Any, _record: Any) -> None:
    """For the session, by SQL rather than the startup ``options``, which some connection
    poolers in front of PostgreSQL refuse; in autocommit it holds until the connection ends."""
    cursor = dbapi_connection.cursor()
    cursor.execute("SET synchronous_commit TO off")
    cursor.close()


async def retry_on_new_connection(
    engine: AsyncEngine, work: Callable[[AsyncConnection], Awaitable[T]]
) -> T:
    """``work`` on a connection of ``engine``; once more on a new one if the first was dead.

    A PostgreSQL restart or a dropped idle connection leaves dead connections in a pool
    without a ping; SQLAlchemy marks the error ``connection_invalidated`` and empties the
    pool. Only the statements of the relaxed pool come here, each one idempotent (an upsert,
    a read) or, for a count, at worst counted twice after a lost answer.
    """
    try:
        async with engine.connect() as connection:
            return await work(connection)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    async with engine.connect() as connection:
        return await work(connection)


def _quiet_driver_log() -> None:
    """aiosqlite logs every statement with its parameters at DEBUG (conversation keys,
    lookup keys, each counter update at the moment it is written); like SQLAlchemy does
    for its own logger, it stays at WARNING unless someone sets it on purpose."""
    driver = logging.getLogger("aiosqlite")
    if driver.level == logging.NOTSET:
        driver.setLevel(logging.WARNING)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes even for timezone-aware columns."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def wipe_deleted(sessions: async_sessionmaker[AsyncSession]) -> None:
    """After deleting sealed data, leave no old copy of it in SQLite's write-ahead log.

    ``secure_delete`` zeroes freed pages, but in WAL mode the zeroed page is a new frame and
    the old frames stay in the ``-wal`` file until a checkpoint. TRUNCATE folds the log into
    the main file and empties it. If a reader holds an old snapshot the checkpoint stops
    short; the next one (at the latest when the app closes) finishes the job.
    """
    async with sessions() as db:
        if db.get_bind().dialect.name == "sqlite":
            await db.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


async def back_to_full_durability(connection: AsyncConnection) -> None:
    """After a write relaxed to ``synchronous=NORMAL`` on SQLite, committed or failed.

    The pool may hand the connection to a signal write next. SQLite refuses to change the
    setting inside a transaction, which a refused statement leaves open: roll it back first;
    a connection that cannot be set back (or whose task was cancelled meanwhile) is never
    pooled again.
    """
    try:
        if connection.in_transaction():
            await connection.rollback()
        await connection.exec_driver_sql("PRAGMA synchronous=FULL")
        await connection.commit()
    except BaseException:
        await connection.invalidate()
        raise
