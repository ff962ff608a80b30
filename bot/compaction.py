"""The daily rewrite of an embedded SQLite database, so its files keep no submission order.

``WITHOUT ROWID`` tables are ordered by their random keys, but SQLite still places new
content as it arrives: a signal's sealed content is written to the write-ahead log as frames
in the order of the commits, and a checkpoint copies it to overflow pages taken from the end
of the main file. So between rewrites the page and frame order follow the submissions.

``VACUUM`` rebuilds the database by copying every table into a fresh file in primary-key
order (``INSERT INTO vacuum_db.t SELECT * FROM main.t``, ``sqlite3RunVacuum`` in
``vacuum.c``), which also drops the free list; a ``TRUNCATE`` checkpoint then writes the
rewritten pages into the main file and empties the log. Both run once a day, in the first
housekeeping round after 03:00 Amsterdam time (a quiet hour for a Dutch organisation; a
process started later in the day rewrites in its first round). Never right after a
submission: a rewrite or checkpoint at that moment would itself mark it.

PostgreSQL is left alone; docs/security.md gives the admin its nightly ``CLUSTER``.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.errors import StorageError

log = logging.getLogger("meldwijzer.compaction")
LOCAL_TIME = ZoneInfo("Europe/Amsterdam")
QUIET_HOUR = 3
BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


@dataclass(slots=True)
class DailyRewrite:
    """Rewrites the database once per Amsterdam day, from the quiet hour on."""

    engine: AsyncEngine
    done_on: date | None = None

    def due(self, now: datetime) -> bool:
        local = now.astimezone(LOCAL_TIME)
        return (
            self.engine.dialect.name == "sqlite"
            and local.hour >= QUIET_HOUR
            and local.date() != self.done_on
        )

    async def run_if_due(self, now: datetime) -> None:
        """Never raises: a busy database is tried again next round, a failure tomorrow."""
        if not self.due(now):
            return
        try:
            if not await rewrite_in_key_order(self.engine):
                return
        except StorageError as exc:
            log.warning("%s; trying again tomorrow", exc)
        else:
            log.info("database rewritten")
        self.done_on = now.astimezone(LOCAL_TIME).date()


async def rewrite_in_key_order(engine: AsyncEngine) -> bool:
    """VACUUM and empty the log; False if another connection kept the database busy."""
    try:
        async with engine.connect() as connection:
            # VACUUM cannot run inside a transaction (https://www.sqlite.org/lang_vacuum.html).
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            # Empty the log first, so that the rewrite restarts it: a restart also clears the
            # ``-shm`` index, whose page numbers outlive a checkpoint in write order
            # (``walRestartLog`` and ``walCleanupHash`` in ``wal.c``).
            if not await _checkpoint(connection):
                return False
            await connection.execute(text("VACUUM"))
            return await _checkpoint(connection)
    except DBAPIError as exc:
        if _is_busy(exc):
            return False
        raise StorageError(f"cannot rewrite the database: {exc.orig}") from exc
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot rewrite the database: {exc}") from exc


async def _checkpoint(connection: AsyncConnection) -> bool:
    """TRUNCATE returns (busy, frames in log, frames checkpointed); busy means readers on an
    older snapshot or another writer kept it from finishing
    (https://www.sqlite.org/pragma.html#pragma_wal_checkpoint)."""
    busy, _log, _done = (await connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))).one()
    return int(busy) == 0


def _is_busy(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return isinstance(code, int) and (code & 0xFF) in BUSY
