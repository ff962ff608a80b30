"""Two replicas starting at the same moment on a fresh database both start.

Each checks the server secret's fingerprint in ``meta`` at start (bot/secret.py). On a
fresh database both read "no record" and both write one; the second write used to fail on
the primary key and stop that replica with "cannot check the server secret".
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import Engine, event, text

from bot.app import Services
from bot.errors import ConfigError
from bot.secret import SECRET_FINGERPRINT, guard_secret
from tests.signals.conftest import Build


def other_replica(services: Services) -> Engine:
    """A connection of its own to the same database, as another process has."""
    url = services.engine.url
    driver = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql+psycopg"
    return sqlalchemy.create_engine(url.set(drivername=driver), poolclass=sqlalchemy.NullPool)


async def stored_fingerprints(services: Services) -> list[str]:
    async with services.sessions() as db:
        found = await db.execute(
            text("SELECT value FROM meta WHERE key = :key"), {"key": SECRET_FINGERPRINT}
        )
        return [row[0] for row in found.all()]


OTHER_SECRET_FINGERPRINT = "f" * 64


async def race_on_the_first_record(
    services: Services, written_by_the_other: str, *, production: bool
) -> None:
    """``guard_secret`` on a fresh database, where another replica writes its record (and
    commits) between this one's read of no record and its own write."""
    async with services.sessions.begin() as db:  # as fresh as a new database
        await db.execute(text("DELETE FROM meta WHERE key = :key"), {"key": SECRET_FINGERPRINT})
    other = other_replica(services)
    written: list[str] = []

    def the_other_writes_first(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if written or not statement.lstrip().upper().startswith("INSERT INTO META"):
            return
        with other.begin() as connection:
            connection.execute(
                text("INSERT INTO meta (key, value) VALUES (:key, :value)"),
                {"key": SECRET_FINGERPRINT, "value": written_by_the_other},
            )
        written.append(statement)

    event.listen(services.engine.sync_engine, "before_cursor_execute", the_other_writes_first)
    try:
        await guard_secret(
            services.sessions, services.signals.secret_fingerprints, production=production
        )
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", the_other_writes_first)
        other.dispose()
        assert written, "the race was set up"


async def test_a_replica_whose_first_record_was_written_by_another_in_between_starts(
    build_on: Build,
) -> None:
    services = await build_on()
    fingerprint = services.signals.secret_fingerprints[0]
    await race_on_the_first_record(services, fingerprint, production=True)
    assert await stored_fingerprints(services) == [fingerprint]


async def test_replicas_started_at_once_with_different_secrets_are_refused_in_production(
    build_on: Build,
) -> None:
    services = await build_on()
    with pytest.raises(ConfigError, match="different MELDWIJZER_SECRET"):
        await race_on_the_first_record(services, OTHER_SECRET_FINGERPRINT, production=True)
    assert await stored_fingerprints(services) == [OTHER_SECRET_FINGERPRINT], "nothing changed"
