"""In production ``serve`` refuses a shared database whose schema is behind, and says what to run.

Replicas never migrate a shared database themselves (two would race); the admin runs
``meldwijzer db upgrade`` once (docs/deploy.md). A replica that meets an older schema, or
none at all, stops before it opens its port, with one line that names the command.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config

from bot.db import create_engine
from bot.migrate import head_revision
from tests.crash.serve_process import REPO, free_port
from tests.signals.conftest import POSTGRES_URL, empty_postgres

pytestmark = pytest.mark.postgres

MIGRATIONS = REPO / "bot" / "migrations"
UPGRADE_HINT = "the database schema is not up to date: run `meldwijzer db upgrade`"


async def upgrade_to(revision: str) -> None:
    engine = create_engine(POSTGRES_URL)

    def run(connection: object) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)
    await engine.dispose()


def serve_in_production(data_dir: Path) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("MELDWIJZER_")}
    env = {
        **inherited,
        "MELDWIJZER_ENV": "production",
        "MELDWIJZER_DATABASE_URL": POSTGRES_URL,
        "MELDWIJZER_SECRET": secrets.token_urlsafe(48),
        "MELDWIJZER_PUBLIC_URL": "https://meldwijzer.example.test",
        "MELDWIJZER_TEAMS_ENABLED": "false",
        "MELDWIJZER_DATA_DIR": str(data_dir),
    }
    port = str(free_port())
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--port", port],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


async def test_a_schema_one_migration_behind_is_refused_with_the_command_to_run(
    tmp_path: Path,
) -> None:
    await empty_postgres()
    head = head_revision()
    previous = f"{head}-1"  # alembic's relative form: the revision before head
    await upgrade_to(previous)
    try:
        done = serve_in_production(tmp_path / "data")
    finally:
        await empty_postgres()
    assert done.returncode != 0
    assert "Meldwijzer is running" not in done.stdout
    assert UPGRADE_HINT in done.stderr
    assert "Traceback" not in done.stderr


async def test_an_empty_database_is_refused_the_same_way(tmp_path: Path) -> None:
    await empty_postgres()
    done = serve_in_production(tmp_path / "data")
    assert done.returncode != 0
    assert UPGRADE_HINT in done.stderr
    assert "Traceback" not in done.stderr
