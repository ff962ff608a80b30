"""Plain aiohttp clients for the fake's self-tests: REST calls, sockets, an integration."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from aiohttp import web

from .fake_server import FakeMattermost, FakeUser


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ws_url(fake: FakeMattermost, **query: Any) -> str:
    base = fake.url.replace("http", "ws", 1) + "/api/v4/websocket"
    if not query:
        return base
    return base + "?" + "&".join(f"{key}={value}" for key, value in query.items())


async def receive(socket: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await asyncio.wait_for(socket.receive(), timeout=5)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    frame: dict[str, Any] = json.loads(message.data)
    return frame


async def api(
    client: aiohttp.ClientSession,
    fake: FakeMattermost,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
) -> tuple[int, Any]:
    headers = bearer(fake.bot.token if token is None else token)
    async with client.request(method, fake.url + path, json=body, headers=headers) as response:
        text = await response.text()
        return response.status, (json.loads(text) if text.startswith(("{", "[")) else text)


class Integration:
    """A tiny integration endpoint that records what the fake server sent it."""

    def __init__(self, fake: FakeMattermost) -> None:
        self.fake = fake
        self.received: list[Any] = []
        self.answer: dict[str, Any] = {}
        self.open_dialog_with: dict[str, Any] | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/actions", self.action)
        app.router.add_post("/dialogs", self.action)
        app.router.add_post("/command", self.command)
        return app

    async def action(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        if self.open_dialog_with is not None:
            async with aiohttp.ClientSession() as session:
                request_body = {**self.open_dialog_with, "trigger_id": body["trigger_id"]}
                await session.post(
                    self.fake.url + "/api/v4/actions/dialogs/open",
                    json=request_body,
                    headers=bearer(self.fake.bot.token),
                )
        return web.json_response(self.answer)

    async def command(self, request: web.Request) -> web.Response:
        self.received.append(dict(await request.post()))
        return web.json_response({"response_type": "ephemeral", "text": "Zie je privébericht."})


async def bot_post_with_button(
    fake: FakeMattermost, client: aiohttp.ClientSession, user: FakeUser, url: str
) -> dict[str, Any]:
    action = {"name": "Ja", "integration": {"url": url, "context": {"t": "token"}}}
    body = {
        "channel_id": fake.direct_channel_id(user),
        "message": "Wil je verder?",
        "props": {"attachments": [{"actions": [action]}]},
    }
    _, post = await api(client, fake, "POST", "/api/v4/posts", body)
    assert isinstance(post, dict)
    return post
