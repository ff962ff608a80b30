"""``/healthz``: "ok" while the process serves, plus what other channels add to it."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.webchat import add_health_check, setup_webchat
from bot.core import Incoming, Reply


class Silent:
    async def handle(self, incoming: Incoming) -> list[Reply]:
        return []


async def test_health_is_ok_alone_and_merges_what_channels_report() -> None:
    state = {"socket": "connecting"}
    app = web.Application()
    setup_webchat(app, Silent(), max_message_chars=500)
    add_health_check(app, lambda: {"example": dict(state)})
    async with TestClient(TestServer(app)) as client:
        first = await (await client.get("/healthz")).json()
        state["socket"] = "connected"
        second = await (await client.get("/healthz")).json()
    assert first == {"status": "ok", "example": {"socket": "connecting"}}
    assert second == {"status": "ok", "example": {"socket": "connected"}}


async def test_a_channel_cannot_overwrite_the_status() -> None:
    app = web.Application()
    setup_webchat(app, Silent(), max_message_chars=500)
    add_health_check(app, lambda: {"status": "broken"})
    async with TestClient(TestServer(app)) as client:
        assert await (await client.get("/healthz")).json() == {"status": "ok"}


async def test_without_checks_only_the_status() -> None:
    app = web.Application()
    setup_webchat(app, Silent(), max_message_chars=500)
    async with TestClient(TestServer(app)) as client:
        assert await (await client.get("/healthz")).json() == {"status": "ok"}
