"""``meldwijzer report`` on a real database, SQLite and PostgreSQL: it reads the settings'
database, counts only its own organisation, refuses a schema that is behind, writes nothing
to the database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot import migrate
from bot.app import build_services, prepare_database
from bot.cli import main
from bot.settings import Settings
from bot.stats.report_year import published_quarters
from bot.stats.store import add_counts
from tests.conftest import TEST_KDF
from tests.signals.conftest import POSTGRES_URL, empty_postgres

SeedCounts = Mapping[tuple[int, int, str, str], int]
YEAR_2025: SeedCounts = {
    **{(2025, q, "signals", "anonymous"): 30 + q for q in (1, 2, 3, 4)},
    **{(2025, q, "signals", "named"): 12 for q in (1, 2, 3, 4)},
    **{(2025, q, "roles", "target"): 30 + q for q in (1, 2, 3, 4)},
    **{(2025, q, "roles", "witness"): 12 for q in (1, 2, 3, 4)},
    **{(2025, q, "funnel", "signal_left"): 42 + q for q in (1, 2, 3, 4)},
    (2024, 1, "signals", "anonymous"): 500,
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """The settings the command will read (through the environment), on an empty database."""
    monkeypatch.setenv("MELDWIJZER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MELDWIJZER_ORGANISATION", "ministerie")
    values: dict[str, object] = {"data_dir": tmp_path / "data", "organisation": "ministerie"}
    if request.param == "postgres":
        asyncio.run(empty_postgres())
        monkeypatch.setenv("MELDWIJZER_DATABASE_URL", POSTGRES_URL)
        values["database_url"] = POSTGRES_URL
    else:
        monkeypatch.delenv("MELDWIJZER_DATABASE_URL", raising=False)
    yield Settings(**values, **TEST_KDF)  # type: ignore[arg-type]
    if request.param == "postgres":
        asyncio.run(empty_postgres())


def _seed(settings: Settings, counts: SeedCounts, organisation: str = "ministerie") -> None:
    async def run() -> None:
        services = build_services(settings)
        try:
            await migrate.upgrade(services.engine)  # a shared database is upgraded on purpose
            await prepare_database(services)
            await add_counts(services.sessions, organisation, counts)
        finally:
            await services.close()

    asyncio.run(run())


def _query(settings: Settings, sql: str) -> list[tuple[object, ...]]:
    async def run() -> list[tuple[object, ...]]:
        services = build_services(settings)
        try:
            async with services.engine.connect() as connection:
                return [tuple(row) for row in (await connection.execute(text(sql))).all()]
        finally:
            await services.close()

    return asyncio.run(run())


def _counters(settings: Settings) -> list[tuple[object, ...]]:
    return sorted(_query(settings, "SELECT * FROM stats_counts"), key=repr)


def test_the_report_reads_the_year_of_its_own_organisation(
    database: Settings, tmp_path: Path
) -> None:
    _seed(database, YEAR_2025)
    _seed(database, {(2025, 1, "signals", "anonymous"): 900}, organisation="elders")
    before = _counters(database)
    out = tmp_path / "2025.json"
    assert main(["report", "--year", "2025", "--format", "json", "--out", str(out)]) == 0
    document = json.loads(out.read_text("utf-8"))
    assert set(document) == {"year", "threshold", "tables"}
    signals = document["tables"]["signals"]
    assert signals["columns"] == ["Q1", "Q2", "Q3", "Q4", "total"]
    assert signals["cells"][0] == [31, 32, 33, 34, 130]
    assert signals["cells"][2][-1] == 130 + 48
    assert _counters(database) == before  # nothing written


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # PostgreSQL: counters above
def test_the_sqlite_file_is_left_as_it_was(database: Settings, tmp_path: Path) -> None:
    _seed(database, YEAR_2025)
    file = database.data_dir / "meldwijzer.db"
    before = file.read_bytes()
    assert main(["report", "--year", "2025", "--out", str(tmp_path / "r.html")]) == 0
    assert file.read_bytes() == before


def test_the_html_report_goes_to_standard_output(
    database: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(database, YEAR_2025)
    assert main(["report", "--year", "2025", "--lang", "en", "--out", "-"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert "<dd>178</dd>" in page


def test_a_draft_of_this_year_shows_the_running_quarter(database: Settings, tmp_path: Path) -> None:
    today = datetime.now(database.zone).date()
    this_year = today.year
    _seed(database, {(this_year, q, "signals", "named"): 50 for q in (1, 2, 3, 4)})
    out = tmp_path / "draft.json"
    # Only a whole year is published: this one is refused without --draft, nothing written.
    assert main(["report", "--year", str(this_year), "--format", "json", "--out", str(out)]) == 2
    assert not out.exists()
    argv = ["report", "--year", str(this_year), "--format", "json", "--draft", "--out", str(out)]
    assert main(argv) == 0
    draft = json.loads(out.read_text("utf-8"))
    running = published_quarters(this_year, today, draft=True)
    assert draft["draft"] is True
    assert draft["tables"]["signals"]["columns"] == [*running, "total"]


def test_a_schema_that_is_behind_is_refused(
    database: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    _seed(database, YEAR_2025)
    config = Config()
    config.set_main_option("script_location", str(Path(migrate.__file__).parent / "migrations"))
    head = ScriptDirectory.from_config(config).get_revision(migrate.head_revision())
    _query_write(database, f"UPDATE alembic_version SET version_num = '{head.down_revision}'")
    out = tmp_path / "r.html"
    assert main(["report", "--year", "2025", "--out", str(out)]) == 2
    assert "not up to date: run `meldwijzer db upgrade`" in capsys.readouterr().err
    assert not out.exists()


def _query_write(settings: Settings, sql: str) -> None:
    async def run() -> None:
        services = build_services(settings)
        try:
            async with services.engine.begin() as connection:
                await connection.execute(text(sql))
        finally:
            await services.close()

    asyncio.run(run())


def test_configured_unit_groups_are_a_table_of_their_own(
    database: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "statistics.toml").write_text(
        '[[group]]\nname = "DG Werk"\nsize = 2400\nunits = ["Directie A"]\n\n'
        '[[group]]\nname = "DG Zorg"\nsize = 1800\nunits = ["Directie C"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("MELDWIJZER_KNOWLEDGE_DIR", str(overlay))
    groups = {(2025, q, "unit_groups", "DG Zorg"): 11 for q in (1, 2, 3, 4)}
    groups |= {(2025, q, "unit_groups", "DG Werk"): 20 for q in (1, 2, 3, 4)}
    groups |= {(2025, q, "unit_groups", "other"): 12 for q in (1, 2, 3, 4)}
    _seed(database, {**YEAR_2025, **groups})
    out = tmp_path / "groups.json"
    assert main(["report", "--year", "2025", "--format", "json", "--out", str(out)]) == 0
    table = json.loads(out.read_text("utf-8"))["tables"]["unit_groups"]
    assert table["rows"] == ["DG Werk", "DG Zorg", "other", "total"]
    assert table["cells"] == [[20] * 4 + [80], [11] * 4 + [44], [12] * 4 + [48], [43] * 4 + [172]]


def test_without_unit_groups_there_is_no_such_table(database: Settings, tmp_path: Path) -> None:
    _seed(database, YEAR_2025)
    out = tmp_path / "plain.json"
    assert main(["report", "--year", "2025", "--format", "json", "--out", str(out)]) == 0
    assert "unit_groups" not in json.loads(out.read_text("utf-8"))["tables"]
