"""A scrape while the database is down or silent: an answer, never a 500, and one warning."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import migrate
from bot.db import create_engine, session_factory
from bot.metrics.scrape import OutboxReader
from tests.bot.tcp_proxy import SilentProxy
from tests.metrics.conftest import Serve, free_port, scraped, scraped_once, value
from tests.metrics.test_endpoint import chat
from tests.signals.conftest import POSTGRES_URL, empty_postgres


class CutProxy(SilentProxy):
    def flow_again(self) -> None:
        """Let the held connections through again, so the app can shut down cleanly."""
        self._flowing.set()


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """A loopback port that accepts connections and never says a word."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in held:
        writer.close()
    server.close()


async def test_a_refused_database_reads_as_unknown_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = create_engine(f"postgresql://meldwijzer@127.0.0.1:{free_port()}/gone")
    reader = OutboxReader(session_factory(engine))
    caplog.set_level(logging.INFO, "meldwijzer.metrics")
    try:
        assert await reader.read(datetime.now(UTC)) is None
        assert await reader.read(datetime.now(UTC)) is None
    finally:
        await engine.dispose()
    assert [r.getMessage() for r in caplog.records] == [
        "metrics: the outbox is not readable: OperationalError"
    ]


async def test_a_silent_database_is_given_up_on_in_time(silent_server: int) -> None:
    engine = create_engine(f"postgresql://meldwijzer@127.0.0.1:{silent_server}/silent")
    reader = OutboxReader(session_factory(engine), seconds=0.3)
    try:
        assert await reader.read(datetime.now(UTC)) is None
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_a_scrape_while_postgres_is_cut_off_still_answers(
    serve_metrics: Serve, tmp_path: Path
) -> None:
    await empty_postgres()
    upgrade = create_engine(POSTGRES_URL)
    await migrate.upgrade(upgrade)
    await upgrade.dispose()
    host, port = "127.0.0.1", int(POSTGRES_URL.rsplit(":", 1)[1].split("/")[0])
    proxy = CutProxy(host, port)
    await proxy.start()
    database = POSTGRES_URL.replace(f":{port}/", f":{proxy.port}/")
    running = await serve_metrics(database_url=database, secret="metrics-" + "s" * 40)
    try:
        await chat(running.public, "hallo")
        assert value(await scraped(running.metrics), "meldwijzer_database_up") == 1
        proxy.go_silent()
        samples = await scraped_once(running.metrics)
        assert value(samples, "meldwijzer_database_up") == 0
        assert value(samples, "meldwijzer_outbox_due") is None
        assert value(samples, "meldwijzer_channel_up", channel="webchat") == 1
        assert value(samples, "meldwijzer_turn_seconds_count", channel="webchat") == 2
        # The read given up on still hangs: the next scrape does not queue behind it.
        assert value(await scraped_once(running.metrics), "meldwijzer_database_up") == 0
    finally:
        proxy.flow_again()
        await running.runner.cleanup()
        await proxy.close()
