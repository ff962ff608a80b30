"""The real app with Mattermost pointed at the fake server, served on 127.0.0.1.

Nothing below the wire is replaced: ``create_app`` with its core, SQLite file, callbacks and
listener; the fake is the Mattermost server. The app's port is chosen before the app is
built, because the callback address the buttons carry is part of its settings.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.mattermost.setup import MATTERMOST_CHANNEL, MattermostChannel
from adapters.webchat import RouteAccessLogger
from bot.app import create_app
from bot.settings import Settings
from tests.conftest import TEST_KDF

from .fake_server import FakeMattermost

Client = TestClient[web.Request, web.Application]
WAIT_SECONDS = 15.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def mattermost_settings(fake: FakeMattermost, data_dir: Path, port: int, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "teams_enabled": False,
        "port": port,
        "demo_adviser": False,
        "mattermost_url": fake.url,
        "mattermost_token": fake.bot.token,
        "mattermost_command_token": fake.command_token,
        "mattermost_ca_file": fake.ca_file,
        **TEST_KDF,
    }
    return Settings(**(values | extra))


@asynccontextmanager
async def running_app(fake: FakeMattermost, data_dir: Path, **extra: Any) -> AsyncIterator[Client]:
    port = free_port()
    app = create_app(mattermost_settings(fake, data_dir, port, **extra))
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server(access_log_class=RouteAccessLogger)
    client: Client = TestClient(server)
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


def channel_of(client: Client) -> MattermostChannel:
    return app_of(client)[MATTERMOST_CHANNEL]


def app_of(client: Client) -> web.Application:
    server = client.server
    assert isinstance(server, TestServer)
    return server.app


async def eventually(check: Callable[[], bool], what: str) -> None:
    """Wait until ``check()`` holds (a generous bound against a hang, not a timing claim)."""

    async def poll() -> None:
        while not check():
            await asyncio.sleep(0.01)

    try:
        await asyncio.wait_for(poll(), WAIT_SECONDS)
    except TimeoutError:
        raise AssertionError(f"never happened: {what}") from None


async def eventually_async(check: Callable[[], Awaitable[bool]], what: str) -> None:
    async def poll() -> None:
        while not await check():
            await asyncio.sleep(0.02)

    try:
        await asyncio.wait_for(poll(), WAIT_SECONDS)
    except TimeoutError:
        raise AssertionError(f"never happened: {what}") from None


async def health(client: Client) -> dict[str, Any]:
    """``/healthz`` (a 200), with the channel's own detail beside it under "mattermost":
    /healthz says only up, down or standby, the detail is for the log and the metrics."""
    response = await client.get("/healthz")
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    return {**body, **channel_of(client).health()}


async def connected(client: Client) -> None:
    async def ready() -> bool:
        return bool((await health(client)).get("mattermost", {}).get("socket") == "connected")

    await eventually_async(ready, "the listener's websocket connected")


async def settled(client: Client) -> None:
    """Every turn the listener has started is finished."""
    listener = channel_of(client).listener
    assert listener is not None
    await listener.wait_idle()
