"""When and how counts reach the database: quarters, failed flushes, their own transaction,
two replicas at once, and the upgrade that adds the table."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from bot import migrate
from bot.app import Services, build_services, prepare_database
from bot.db import create_engine, create_relaxed_engine, session_factory, sqlite_url
from bot.settings import Settings
from bot.state import ConversationStore
from bot.stats.recorder import StatsRecorder, flush_minutes
from bot.stats.store import read_year
from bot.stopping import Stopping
from tests.conftest import TEST_KDF
from tests.signals.conftest import (
    POSTGRES_URL,
    Build,
    at,
    core_at,
    empty_postgres,
    reporter,
    signal_ids,
    submit_signal,
)
from tests.signals.test_receipt_upgrade import upgrade_to
from tests.stats.counting import counted, every_row

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_counts_are_written_every_turn_in_development_and_daily_in_production() -> None:
    assert flush_minutes(Settings()) == 0
    assert flush_minutes(Settings(env="production")) == 24 * 60
    assert flush_minutes(Settings(stats_flush_minutes=15)) == 15


async def test_a_count_on_31_march_late_in_the_evening_in_amsterdam_is_in_the_first_quarter(
    services: Services,
) -> None:
    # 21:30 UTC is 23:30 in Amsterdam (summer time began on 29 March 2026); 22:30 UTC is
    # already 1 April there, and a new year begins at 23:00 UTC on 31 December.
    for moment in (at(2026, 3, 31, 21, 30), at(2026, 3, 31, 22, 30), at(2026, 12, 31, 23, 30)):
        await reporter(services).elsewhere(core_at(services, moment)).press("topic:options")
    year = await read_year(services.sessions, "", 2026)
    assert {q for (m, c, q) in year if (m, c) == ("topics", "options")} == {1, 2}
    assert year[("topics", "options", 1)] == 1
    assert year[("topics", "options", 2)] == 1
    assert (await read_year(services.sessions, "", 2027))[("topics", "options", 1)] == 1


async def test_a_failed_flush_keeps_the_counts_and_says_only_what_failed(
    build_on: Build, caplog: pytest.LogCaptureFixture
) -> None:
    services = await build_on(stats_flush_minutes=60)
    stats = services.signals.stats
    await reporter(services).press("topic:options")
    assert await every_row(services) == [], "kept in memory until the flush"
    assert stats.pending == 4
    await _rename(services, "stats_counts", "stats_counts_away")
    with caplog.at_level(logging.DEBUG):
        assert await stats.flush() is False
    failed = [r.getMessage() for r in caplog.records if r.name == "meldwijzer.stats"]
    assert len(failed) == 1 and failed[0].startswith("statistics flush failed: ")
    assert failed[0].split(": ")[1].isidentifier(), "the exception type, nothing more"
    assert stats.pending == 4
    await _rename(services, "stats_counts_away", "stats_counts")
    assert await stats.flush() is True
    assert await stats.flush() is True  # nothing twice
    assert stats.pending == 0
    assert sum((await counted(services)).values()) == 4


async def test_a_flush_that_fails_leaves_the_signal_saved(services: Services) -> None:
    await _rename(services, "stats_counts", "stats_counts_away")
    sent = await submit_signal(services)  # every turn ends with a flush (development)
    assert sent.receipt and len(await signal_ids(services)) == 1
    assert services.signals.stats.pending > 0
    await _rename(services, "stats_counts_away", "stats_counts")
    await sent.person.press("topic:privacy")  # the next turn's flush writes them all
    totals = await counted(services)
    assert totals[("signals", "anonymous")] == 1 and totals[("topics", "privacy")] == 1
    assert services.signals.stats.pending == 0


async def test_a_signal_that_fails_to_save_counts_nothing_and_takes_no_count_with_it(
    services: Services,
) -> None:
    person = reporter(services)
    await person.press("topic:options")
    async with services.engine.begin() as connection:
        await connection.execute(
            text(
                "CREATE TRIGGER refuse_signals BEFORE INSERT ON signals "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        )
    await submit_signal(services, person=person)
    assert await signal_ids(services) == []
    totals = await counted(services)
    assert totals[("topics", "options")] == 1, "what was counted before stays counted"
    assert totals[("funnel", "signal_started")] == 1
    assert ("funnel", "signal_left") not in totals and ("signals", "anonymous") not in totals


@pytest.mark.postgres
async def test_on_postgres_the_counters_are_written_in_another_transaction_than_the_signal(
    tmp_path: Path,
) -> None:
    await empty_postgres()
    settings = Settings(
        database_url=POSTGRES_URL,
        data_dir=tmp_path / "data",
        secret="canary-secret-" + "x" * 40,
        **TEST_KDF,  # type: ignore[arg-type]
    )
    services = build_services(settings)
    try:
        await migrate.upgrade(services.engine)
        await prepare_database(services, seed_demo=True)
        await submit_signal(services)
        async with services.sessions() as db:
            signal = {r for (r,) in await db.execute(text("SELECT xmin::text FROM signals"))}
            counters = {r for (r,) in await db.execute(text("SELECT xmin::text FROM stats_counts"))}
        assert len(signal) == 1 and counters
        assert signal.isdisjoint(counters), "a shared xmin would tie a counter to the signal"
    finally:
        await services.close()
        await empty_postgres()


async def test_two_replicas_flushing_at_once_add_up_exactly(build_on: Build) -> None:
    services = await build_on()
    url = services.settings.database_url or sqlite_url(services.settings.data_dir)
    other = create_engine(url)
    try:
        replicas = [
            StatsRecorder(sessions, "", AMSTERDAM, lambda: datetime(2026, 6, 1, tzinfo=UTC), 60)
            for sessions in (services.sessions, session_factory(other))
        ]
        for _ in range(8):
            for replica in replicas:
                for _ in range(25):
                    replica.add("topics", "options")
                replica.add("kinds", "racism")
            assert all(await asyncio.gather(*(replica.flush() for replica in replicas)))
        year = await read_year(services.sessions, "", 2026)
        assert year == {("topics", "options", 2): 400, ("kinds", "racism", 2): 16}
    finally:
        await other.dispose()


async def test_only_the_fixed_categories_are_counted(services: Services) -> None:
    stats = services.signals.stats
    for measure, category in (
        ("topics", "an-overlay-topic"),
        ("conversations", "irc"),
        ("no-such-measure", "x"),
        ("unit_groups", ""),
        ("unit_groups", "x" * 65),
    ):
        stats.add(measure, category)
    assert stats.pending == 0


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_upgrading_from_0008_keeps_conversations_and_counts_them_from_then_on(
    tmp_path: Path, database: str
) -> None:
    if database == "postgres":
        await empty_postgres()
    url = POSTGRES_URL if database == "postgres" else sqlite_url(tmp_path)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(upgrade_to, "0008")
            await connection.execute(
                text(
                    "INSERT INTO conversations (key, lang, lang_chosen, dialog, step, data, "
                    "adviser_session, expires_at) VALUES ('k', 'en', false, 'options', '', '{}', "
                    "'', :expires)"
                ),
                {"expires": datetime(2099, 1, 1, tzinfo=UTC)},
            )
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()
        relaxed = create_relaxed_engine(url)
        store = ConversationStore(engine, relaxed, b"s" * 32, ttl=datetime.max - datetime.min)
        try:
            session = await store.load("k", datetime(2026, 1, 1, tzinfo=UTC))
        finally:
            await relaxed.dispose()
        assert session is not None and session.counted == frozenset()
        assert session.state.dialog == "options"
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT * FROM stats_counts"))).all()
        assert rows == []
    finally:
        await engine.dispose()
        if database == "postgres":
            await empty_postgres()


async def _rename(services: Services, table: str, to: str) -> None:
    async with services.engine.begin() as connection:
        await connection.execute(text(f"ALTER TABLE {table} RENAME TO {to}"))


async def test_the_background_loop_writes_what_is_pending_when_the_server_stops(
    services: Services,
) -> None:
    recorder = StatsRecorder(services.sessions, "", AMSTERDAM, lambda: at(2026, 8, 3), 24 * 60)
    recorder.add("outcomes", "informal")
    stopping = Stopping()
    stopping.request()
    await recorder.run(stopping)  # returns at once, after its last flush
    assert recorder.pending == 0
    assert await read_year(services.sessions, "", 2026) == {("outcomes", "informal", 3): 1}
