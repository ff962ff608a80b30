"""``/healthz`` of the web chat alone: "ok"; the whole app's own one comes first (bot/health.py)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.webchat import setup_webchat
from bot.core import Incoming, Reply


class Silent:
    async def handle(self, incoming: Incoming) -> list[Reply]:
        return []


async def test_alone_only_the_status() -> None:
    app = web.Application()
    setup_webchat(app, Silent(), max_message_chars=500)
    async with TestClient(TestServer(app)) as client:
        assert await (await client.get("/healthz")).json() == {"status": "ok"}


async def test_a_healthz_the_app_mounted_first_is_kept() -> None:
    async def own(_request: web.Request) -> web.Response:
        return web.json_response({"status": "own"})

    app = web.Application()
    app.router.add_get("/healthz", own)
    setup_webchat(app, Silent(), max_message_chars=500)
    async with TestClient(TestServer(app)) as client:
        assert await (await client.get("/healthz")).json() == {"status": "own"}
