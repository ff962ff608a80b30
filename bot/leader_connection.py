"""The lock holder's own PostgreSQL session: its conninfo, its lock key, how it is opened.

MELDWIJZER_DATABASE_URL is a SQLAlchemy URL (``postgresql://`` or ``postgresql+psycopg://``,
see :func:`bot.db.async_url`); libpq wants a conninfo, so the URL's parts are handed over one
by one (query parameters are libpq parameters for psycopg, as SQLAlchemy passes them on).
The conninfo carries the password: it is never logged, and the lock's ``repr`` leaves it out.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import ConfigError

Connection = psycopg.AsyncConnection[Any]

APPLICATION_NAME = "meldwijzer listener lock"
CONNECT_TIMEOUT_SECONDS = 5
# The client's side of a dead peer: the first keepalive after 5 idle seconds, three missed at
# 5 s apart, and unacknowledged data given up on after 15 s (libpq "Parameter Key Words":
# keepalives*, tcp_user_timeout).
CLIENT_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 15000,
}
# The server's side: the same for this session, so a partitioned holder's backend ends and
# its lock is freed in about 20 s instead of the kernel's two hours. These are ordinary
# user-settable parameters ("Connection Settings", PostgreSQL docs §19.3.1); set with SQL
# rather than the startup ``options``, which some proxies refuse.
SERVER_KEEPALIVES = (
    "SELECT set_config('tcp_keepalives_idle', '5', false),"
    " set_config('tcp_keepalives_interval', '5', false),"
    " set_config('tcp_keepalives_count', '3', false),"
    " set_config('tcp_user_timeout', '15000', false)"
)


def advisory_key(name: str) -> int:
    """The lock's bigint: the first 8 bytes of sha256(name), signed."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def lock_conninfo(database_url: str | None) -> str | None:
    """The libpq conninfo for the lock's session; None for no URL or SQLite (no election)."""
    if not database_url:
        return None
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise ConfigError("MELDWIJZER_DATABASE_URL is not a valid database URL") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        return None
    if backend != "postgresql":
        raise ConfigError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")
    given = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "password": url.password,
        "dbname": url.database,
    }
    parts: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
    for key, value in url.query.items():  # a repeated key (several hosts) is libpq's list form
        parts[key] = value if isinstance(value, str) else ",".join(value)
    parts.setdefault("application_name", APPLICATION_NAME)
    parts.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
    return make_conninfo("", **(parts | CLIENT_KEEPALIVES))


async def connect(conninfo: str) -> Connection:
    """A new autocommit session with short keepalives on both ends."""
    connection = await asyncio.wait_for(
        psycopg.AsyncConnection.connect(conninfo, autocommit=True),
        CONNECT_TIMEOUT_SECONDS * 2,
    )
    try:
        await asyncio.wait_for(connection.execute(SERVER_KEEPALIVES), CONNECT_TIMEOUT_SECONDS)
    except BaseException:
        await connection.close()
        raise
    return connection
