"""``/healthz`` of the whole app: the database probe reused, a silent database down, stopping.

The database that never answers is a TCP server on loopback that accepts and stays silent
(the far side of the wire); the probe's statements are counted on the real engine.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_engine, sqlite_url
from bot.health import DatabaseProbe, Health, channel_states, mount_health

Client = TestClient[web.Request, web.Application]
FLOOD = 200


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(sqlite_url(tmp_path))
    yield engine
    await engine.dispose()


def count_selects(engine: AsyncEngine) -> list[str]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.strip().upper() == "SELECT 1":
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    return seen


async def serving(health: Health) -> Client:
    app = web.Application()
    mount_health(app, health)
    return TestClient(TestServer(app))


async def test_a_flood_of_healthz_costs_one_query_per_interval(engine: AsyncEngine) -> None:
    clock = Clock()
    selects = count_selects(engine)
    probe = DatabaseProbe(engine, reuse_seconds=2.0, clock=clock)
    async with await serving(Health(probe, channel_states(None))) as client:
        answers = await asyncio.gather(*(client.get("/healthz") for _ in range(FLOOD)))
        assert {a.status for a in answers} == {200}
        assert len(selects) == 1
        clock.now = 1.9
        await client.get("/healthz")
        assert len(selects) == 1
        clock.now = 2.1
        body = await (await client.get("/healthz")).json()
        assert len(selects) == 2
    assert body == {"status": "ok", "database": "up", "channels": {"webchat": "up"}}


class SilentDatabase:
    """Accepts connections and never says a word, as a hung server or a dropped route."""

    def __init__(self) -> None:
        self.connections = 0
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> int:
        self._server = await asyncio.start_server(self._hold, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def _hold(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)

    async def __aexit__(self, *_exc: object) -> None:
        for writer in self._writers:
            writer.close()
        self._server.close()
        await self._server.wait_closed()


async def test_a_database_that_does_not_answer_is_down_within_the_bound_and_probed_once() -> None:
    silent = SilentDatabase()
    async with silent as port:
        engine = create_engine(f"postgresql://meldwijzer@127.0.0.1:{port}/meldwijzer")
        clock = Clock()
        probe = DatabaseProbe(engine, bound_seconds=0.2, reuse_seconds=2.0, clock=clock)
        health = Health(probe, channel_states(None))
        async with await serving(health) as client:
            first = await client.get("/healthz")
            clock.now = 5.0  # past the reuse: the probe still waiting is not doubled
            answers = await asyncio.gather(*(client.get("/healthz") for _ in range(20)))
            bodies = [await a.json() for a in [first, *answers]]
            assert {a.status for a in [first, *answers]} == {503}
            assert silent.connections == 1
        await health.close()
        await engine.dispose()
    assert bodies[0] == {"status": "unavailable", "database": "down", "channels": {"webchat": "up"}}
    assert all(body == bodies[0] for body in bodies)


async def test_a_database_that_refuses_is_down_and_the_answer_names_no_error() -> None:
    engine = create_engine("postgresql://meldwijzer:hunter2@127.0.0.1:9/meldwijzer")
    health = Health(DatabaseProbe(engine, bound_seconds=5.0), channel_states(None))
    async with await serving(health) as client:
        answer = await client.get("/healthz")
        text = await answer.text()
    await engine.dispose()
    assert answer.status == 503
    assert json.loads(text)["database"] == "down"
    for leak in ("hunter2", "127.0.0.1", "meldwijzer", "Error", "psycopg", "9"):
        assert leak not in text


async def test_once_stopping_it_answers_503_without_a_query(engine: AsyncEngine) -> None:
    selects = count_selects(engine)
    health = Health(DatabaseProbe(engine), channel_states(None))
    health.begin_stopping()
    async with await serving(health) as client:
        answer = await client.get("/healthz")
        body = await answer.json()
    assert (answer.status, body) == (503, {"status": "stopping", "channels": {"webchat": "up"}})
    assert selects == []


@pytest.mark.parametrize(
    ("report", "state"),
    [
        ({"listener": "single", "socket": "connected"}, "up"),
        ({"listener": "leader", "socket": "connected"}, "up"),
        ({"listener": "leader", "socket": "reconnecting"}, "down"),
        ({"listener": "standby", "socket": "starting"}, "standby"),
        ({"listener": "stopped", "socket": "unauthorized"}, "down"),
        ({"listener": "starting", "socket": "refused"}, "down"),
    ],
)
def test_mattermost_in_one_word_without_the_reason(report: dict[str, str], state: str) -> None:
    states = channel_states(lambda: {"mattermost": report})()
    assert states == {"webchat": "up", "mattermost": state}
