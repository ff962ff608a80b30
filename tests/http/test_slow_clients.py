"""Slow and idle clients are let go; past the bound on open connections, new ones are refused.

Real sockets on 127.0.0.1 with short limits. Every wait is bounded (SOCKET_WAIT_SECONDS):
a server that keeps a connection open forever fails the test instead of hanging it.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.app import create_app
from bot.server import ServerLimits
from bot.settings import Settings
from tests.http.conftest import (
    SOCKET_WAIT_SECONDS,
    ServeApp,
    exchange,
    log_lines,
    parse_answer,
    tracebacks,
)

HEALTH = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
SHORT = 0.3
LONG = 60.0


async def closed_by_server(reader: asyncio.StreamReader) -> bytes:
    """Everything until the server closes; TimeoutError if it does not within the wait."""
    async with asyncio.timeout(SOCKET_WAIT_SECONDS):
        return await reader.read(-1)


async def test_half_a_request_line_is_disconnected_after_the_header_timeout(
    serve_app: ServeApp, settings: Settings
) -> None:
    served = await serve_app(create_app(settings), ServerLimits(SHORT, LONG, 100))
    reader, writer = await asyncio.open_connection(served.host, served.port)
    writer.write(b"GET /hea")
    assert await closed_by_server(reader) == b""
    writer.close()


async def test_a_head_sent_a_byte_at_a_time_is_cut_off(
    serve_app: ServeApp, settings: Settings
) -> None:
    served = await serve_app(create_app(settings), ServerLimits(SHORT, LONG, 100))
    reader, writer = await asyncio.open_connection(served.host, served.port)
    trickle = b"GET / HTTP/1.1\r\n" + b"X-Slow: " + b"s" * 200
    closed = False
    for byte in trickle:  # bounded: the head never completes
        try:
            writer.write(bytes([byte]))
            await writer.drain()
            async with asyncio.timeout(0.05):
                closed = await reader.read(1) == b""
        except TimeoutError:
            continue
        except ConnectionError:
            closed = True
        if closed:
            break
    writer.close()
    assert closed


async def test_an_idle_kept_alive_connection_is_closed(
    serve_app: ServeApp, settings: Settings
) -> None:
    served = await serve_app(create_app(settings), ServerLimits(LONG, SHORT, 100))
    reader, writer = await asyncio.open_connection(served.host, served.port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    answer = await closed_by_server(reader)
    assert answer.startswith(b"HTTP/1.1 200")
    writer.close()


async def test_a_slow_body_gets_a_timeout_problem(serve_app: ServeApp, settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"http_body_timeout_seconds": SHORT}))
    served = await serve_app(app, ServerLimits(LONG, LONG, 100))
    reader, writer = await asyncio.open_connection(served.host, served.port)
    writer.write(
        b"POST /api/webchat/conversations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 50\r\n\r\n" + b'{"lo'
    )
    async with asyncio.timeout(SOCKET_WAIT_SECONDS):
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(parse_answer(head).headers["content-length"])
        answer = parse_answer(head + await reader.readexactly(length))
    writer.close()
    assert answer.status == 408
    assert json.loads(answer.body)["error"]["code"] == "timeout"


async def test_connections_past_the_bound_are_refused_and_service_resumes(
    serve_app: ServeApp, settings: Settings, every_log: pytest.LogCaptureFixture
) -> None:
    bound = 4
    served = await serve_app(create_app(settings), ServerLimits(LONG, LONG, bound))
    idle = [await asyncio.open_connection(served.host, served.port) for _ in range(bound)]
    for _, writer in idle:
        writer.write(b"GET /hea")  # half a request line each, holding its place
        await writer.drain()

    for _ in range(3):
        refused = parse_answer(await exchange(served, HEALTH))
        assert refused.status == 503
        assert json.loads(refused.body)["error"]["code"] == "busy"
        assert refused.headers["retry-after"]

    for _, writer in idle:
        writer.close()
    # The server notices each close on its next loop turns; bounded retries.
    for _ in range(100):
        answer = parse_answer(await exchange(served, HEALTH))
        if answer.status == 200:
            break
        await asyncio.sleep(0.01)
    assert answer.status == 200
    assert tracebacks(every_log) == []
    warnings = [line for line in log_lines(every_log) if "connections at the limit" in line]
    assert len(warnings) == 1  # once when the bound is reached, not once per refusal
