"""The real app served the way ``meldwijzer serve`` serves it, on 127.0.0.1 port 0.

Tests here speak to it over real sockets: raw bytes where a client library would refuse
to send what an attacker sends, aiohttp's client where an ordinary request is enough.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from aiohttp import web

from bot.app import create_app
from bot.server import GuardedRunner, ServerLimits
from bot.settings import Settings
from tests.leaks import capture_every_log

# Every wait on a socket is bounded by this, so a server that never answers fails the test
# instead of hanging it.
SOCKET_WAIT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Served:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


ServeApp = Callable[..., Awaitable[Served]]


@pytest.fixture
async def serve_app() -> AsyncIterator[ServeApp]:
    """Start ``app`` behind the production runner; every runner is cleaned up afterwards."""
    runners: list[web.AppRunner] = []

    async def start(app: web.Application, limits: ServerLimits | None = None) -> Served:
        runner = GuardedRunner(app, limits or ServerLimits())
        await runner.setup()
        runners.append(runner)
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        return Served(host, port)

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def served(serve_app: ServeApp, settings: Settings) -> Served:
    return await serve_app(create_app(settings))


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    return capture_every_log(caplog)


async def exchange(served: Served, raw: bytes) -> bytes:
    """Send ``raw`` on a fresh connection; everything the server sends until it closes."""
    reader, writer = await asyncio.open_connection(served.host, served.port)
    try:
        writer.write(raw)
        await writer.drain()
        async with asyncio.timeout(SOCKET_WAIT_SECONDS):
            return await reader.read(-1)
    finally:
        writer.close()


def parse_answer(raw: bytes) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split()[1]), headers, body)


# The housekeeping task talks to the database at start-up, whatever the request.
_DATABASE_LOGGERS = ("aiosqlite", "sqlalchemy")


def log_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every record but the database driver's, as ``logger message``."""
    return [
        f"{record.name} {record.getMessage()}"
        for record in caplog.records
        if not record.name.startswith(_DATABASE_LOGGERS)
    ]


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or r.exc_text or r.stack_info]
