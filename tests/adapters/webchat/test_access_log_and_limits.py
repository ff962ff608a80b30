"""The access log keeps addresses and tokens out; the turn limit counts per conversation."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.webchat import RouteAccessLogger, TurnRateLimiter, setup_webchat
from tests.adapters.webchat.conftest import RecordingCore, messages_path


async def test_access_log_names_the_route_not_the_token_or_address(
    aiohttp_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = web.Application()
    setup_webchat(app, RecordingCore(), max_message_chars=2000)
    server = TestServer(app)
    await server.start_server(access_log_class=RouteAccessLogger)
    client: TestClient[Any, web.Application] = await aiohttp_client(server)
    caplog.set_level(logging.INFO, logger="aiohttp.access")

    start = await client.post("/api/webchat/conversations", json={})
    token = (await start.json())["conversation"]
    await client.post(messages_path(token), json={"text": "hallo"})
    await client.get("/no/such/page")

    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert "POST /api/webchat/conversations/{token}/messages 200" in "\n".join(lines)
    assert any("<unmatched> 404" in line for line in lines)
    assert all(token not in line and "127.0.0.1" not in line for line in lines)


async def test_limiter_allows_up_to_the_limit_then_refuses() -> None:
    now = [0.0]
    limiter = TurnRateLimiter(max_turns=3, window_seconds=60, clock=lambda: now[0])
    assert [await limiter.allow("t") for _ in range(4)] == [True, True, True, False]
    assert await limiter.allow("other")
    now[0] = 61.0
    assert await limiter.allow("t")


async def test_limiter_forgets_the_least_recently_used_beyond_its_size() -> None:
    limiter = TurnRateLimiter(max_turns=1, max_tracked=2, clock=lambda: 0.0)
    await limiter.allow("a")
    await limiter.allow("b")
    await limiter.allow("c")  # "a" is forgotten and starts afresh
    assert await limiter.allow("a")
    assert not await limiter.allow("c")
