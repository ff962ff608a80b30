"""Two apps on one database share every web chat limit: alternating gets the allowance once.

Each app is the real ``create_app`` (its own engine, core and limits, as another
``meldwijzer serve`` would have); only the database and the secret are the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import text

from bot.app import SERVICES, create_app
from bot.settings import Settings
from tests.adapters.webchat.conftest import AppClient, messages_path
from tests.conftest import TEST_KDF

Client = TestClient[Any, web.Application]
Replicas = Callable[..., Awaitable[tuple[Client, Client]]]
START = "/api/webchat/conversations"


@pytest.fixture
def replicas(database_url: str, aiohttp_client: AppClient, tmp_path: Path) -> Replicas:
    # The database first: it is torn down after the apps, not under them.
    async def build(**overrides: object) -> tuple[Client, Client]:
        values: dict[str, object] = {
            "data_dir": tmp_path / "data",
            "secret": "replicas-secret-" + "z" * 32,
            "demo_adviser": False,
            **TEST_KDF,
            **overrides,
        }
        if not database_url.startswith("sqlite"):  # SQLite is the data folder's own file
            values["database_url"] = database_url
        settings = Settings(**values)  # type: ignore[arg-type]
        return await aiohttp_client(create_app(settings)), await aiohttp_client(
            create_app(settings)
        )

    return build


async def start(client: Client) -> int:
    return (await client.post(START, json={"locale": "en"})).status


async def rows(client: Client, table: str) -> list[tuple[object, ...]]:
    app: web.Application = client.server.app  # type: ignore[assignment]
    async with app[SERVICES].engine.connect() as connection:
        result = await connection.execute(text(f"SELECT * FROM {table} ORDER BY 1"))
        return [tuple(row) for row in result.all()]


async def drop(client: Client, table: str) -> None:
    app: web.Application = client.server.app  # type: ignore[assignment]
    async with app[SERVICES].engine.begin() as connection:
        await connection.execute(text(f"DROP TABLE {table}"))


async def test_turns_alternating_between_replicas_get_the_allowance_once(
    replicas: Replicas,
) -> None:
    one, other = await replicas()
    started = await one.post(START, json={"locale": "en"})
    path = messages_path((await started.json())["conversation"])
    for n in range(30):  # the turn limit: 30 a minute per conversation
        turn = await (one if n % 2 else other).post(path, json={"text": "hello"})
        assert turn.status == 200, n
    for client in (other, one):
        refused = await client.post(path, json={"text": "hello"})
        assert refused.status == 429
        assert (await refused.json())["error"]["code"] == "rate_limited"


async def test_new_conversations_draw_from_each_replicas_own_bucket(replicas: Replicas) -> None:
    """Per process on purpose: it bounds that process's work, and stores no moment (throttle)."""
    one, other = await replicas(new_conversations_per_minute=1, new_conversations_burst=2)
    statuses = [await start(one if n % 2 else other) for n in range(6)]
    assert statuses == [201, 201, 201, 201, 503, 503]


async def test_a_turn_limit_the_database_cannot_check_is_busy_and_no_turn_happens(
    replicas: Replicas,
) -> None:
    one, other = await replicas()
    started = await one.post(START, json={"locale": "en"})
    path = messages_path((await started.json())["conversation"])
    await drop(one, "rate_windows")
    before = await rows(one, "conversations")
    for client in (one, other):
        refused = await client.post(path, json={"action": "lang:nl"})
        assert refused.status == 503
        assert (await refused.json())["error"]["code"] == "busy"
        assert int(refused.headers["Retry-After"]) >= 1
    assert await rows(one, "conversations") == before


async def test_on_sqlite_a_turns_check_waits_in_the_queue_of_the_files_other_writes(
    replicas: Replicas, database_url: str
) -> None:
    """Two writers on one SQLite file that do not queue together collide, and SQLite's busy
    handler sleeps for milliseconds: the turn limit waits behind the state's writes."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL has no single writer to queue for")
    one, _ = await replicas()
    started = await one.post(START, json={"locale": "en"})
    path = messages_path((await started.json())["conversation"])
    app: web.Application = one.server.app  # type: ignore[assignment]
    async with app[SERVICES].store.writes_queue:
        turn = asyncio.ensure_future(one.post(path, json={"action": "lang:nl"}))
        await asyncio.sleep(0.3)  # time enough to be counted, were it not queued
        assert not turn.done()
        assert await rows(one, "rate_windows") == []
    assert (await turn).status == 200
    assert len(await rows(one, "rate_windows")) == 1
