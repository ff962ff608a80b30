"""The real app with its metrics site, served on loopback the way ``serve`` serves it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from bot.app import create_app
from bot.server import GuardedRunner, ServerLimits
from bot.settings import Settings
from tests.conftest import TEST_KDF

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
SCRAPE_RETRIES = 3


@dataclass(frozen=True, slots=True)
class Running:
    app: web.Application
    runner: web.AppRunner
    public: str
    metrics: str


Serve = Callable[..., Awaitable[Running]]


def free_port() -> int:
    """A loopback port nothing listens on just now (the metrics port cannot be 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def quiet_notice_day() -> str:
    """A notice day two days from now: the app's own digest tick makes nothing due today.

    Without it, between the digest hour (08:00) and midnight the running app writes the
    day's digests (the admin's, when dead notices were seeded), and the backlog a test
    expects would depend on the hour it runs.
    """
    day = datetime.now(ZoneInfo("Europe/Amsterdam")) + timedelta(days=2)
    return day.strftime("%a").lower()


def metrics_settings(tmp_path: Path, **overrides: object) -> Settings:
    values = {
        "data_dir": tmp_path / "data",
        "metrics_port": free_port(),
        "notice_days": quiet_notice_day(),
        **TEST_KDF,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def serve_metrics(tmp_path: Path) -> AsyncIterator[Serve]:
    """Start the real app (public port 0, metrics on a free port); cleaned up afterwards."""
    runners: list[web.AppRunner] = []

    async def start(**overrides: object) -> Running:
        settings = metrics_settings(tmp_path, **overrides)
        app = create_app(settings)
        runner = GuardedRunner(app, ServerLimits())
        await runner.setup()
        runners.append(runner)
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        metrics = f"http://{settings.metrics_host}:{settings.metrics_port}/metrics"
        return Running(app, runner, f"http://{host}:{port}", metrics)

    yield start
    for runner in runners:
        if runner.server is not None:  # a test may have stopped it already
            await runner.cleanup()


async def scrape(url: str, token: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with aiohttp.ClientSession() as client, client.get(url, headers=headers) as response:
        return response.status, await response.text()


async def scraped(url: str, token: str | None = None) -> Samples:
    """A scrape that found the database up.

    A scrape leaves the outbox numbers out when their read takes longer than
    ``bot.metrics.scrape.READ_SECONDS``; on a loaded test machine a healthy SQLite file can
    miss that once, so a scrape that says "down" is tried again a few times. Tests of a
    database that is really down use :func:`scraped_once`.
    """
    for _ in range(SCRAPE_RETRIES):
        samples = await scraped_once(url, token)
        if value(samples, "meldwijzer_database_up") != 0:
            return samples
        await asyncio.sleep(0.5)
    return await scraped_once(url, token)


async def scraped_once(url: str, token: str | None = None) -> Samples:
    """One scrape, whatever it found."""
    status, body = await scrape(url, token)
    assert status == 200, body
    return samples_of(body)


def samples_of(body: str) -> Samples:
    """Every sample, keyed by its name and sorted labels (parsed by prometheus-client)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def label_values(samples: Samples, prefix: str, label: str) -> set[str]:
    return {
        dict(labels)[label]
        for name, labels in samples
        if name.startswith(prefix) and label in dict(labels)
    }
