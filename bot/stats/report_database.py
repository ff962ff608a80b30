"""Reading a year's counters for the report: the settings' database, read only.

The report never creates or upgrades a database: a missing SQLite file or a schema that is
behind is refused with what to do, before anything is read.
"""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from bot import migrate
from bot.db import create_engine, session_factory, sqlite_url
from bot.errors import StorageError
from bot.settings import Settings
from bot.stats.report_tables import YearCounts
from bot.stats.store import read_year


async def read_counts(settings: Settings, year: int) -> YearCounts:
    if settings.database_url is None:
        file = settings.data_dir / "meldwijzer.db"
        if not file.is_file():
            raise StorageError(
                f"no database at {file}: start the bot once, or set MELDWIJZER_DATABASE_URL"
            )
    engine = create_engine(settings.database_url or sqlite_url(settings.data_dir))
    try:
        current = await migrate.current_revision(engine)
        if current != migrate.head_revision():
            raise StorageError(
                "the database schema is not up to date: run `meldwijzer db upgrade` first"
            )
        try:
            return await read_year(session_factory(engine), settings.organisation, year)
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot read the counters: {type(exc).__name__}") from exc
    finally:
        await engine.dispose()
