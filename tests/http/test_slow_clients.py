"""Slow and idle clients are let go; at the bound, an idle connection makes way for a new one.

Real sockets on 127.0.0.1 with short limits. Every wait is bounded (SOCKET_WAIT_SECONDS):
a server that keeps a connection open forever fails the test instead of hanging it.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web

from bot.app import create_app
from bot.server import ServerLimits
from bot.settings import Settings
from tests.http.conftest import (
    SOCKET_WAIT_SECONDS,
    Answer,
    ServeApp,
    Served,
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


KEEP_ALIVE_HEALTH = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


class KeptAlive:
    """One keep-alive connection that asks for /healthz now and then, as a holder would."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, served: Served) -> KeptAlive:
        return cls(*await asyncio.open_connection(served.host, served.port))

    async def ask(self) -> Answer | None:
        """One request on this connection; None if the server has closed it."""
        try:
            self.writer.write(KEEP_ALIVE_HEALTH)
            await self.writer.drain()
            async with asyncio.timeout(SOCKET_WAIT_SECONDS):
                head = await self.reader.readuntil(b"\r\n\r\n")
                answer = parse_answer(head)
                body = await self.reader.readexactly(int(answer.headers["content-length"]))
        except (ConnectionError, asyncio.IncompleteReadError):
            return None
        return Answer(answer.status, answer.headers, body)

    def close(self) -> None:
        self.writer.close()


async def test_idle_kept_alive_connections_cannot_hold_the_bound(
    serve_app: ServeApp, settings: Settings
) -> None:
    bound = 8
    served = await serve_app(create_app(settings), ServerLimits(LONG, LONG, bound))
    holders = [await KeptAlive.open(served) for _ in range(bound)]
    for _ in range(3):  # rounds of a holder's periodic requests, reconnecting when let go
        for place, holder in enumerate(holders):
            answer = await holder.ask()
            if answer is None:
                holder.close()
                holders[place] = holder = await KeptAlive.open(served)
                answer = await holder.ask()
            assert answer is not None and answer.status in (200, 503)
        # Every connection is idle between requests now: a newcomer is served all the same.
        newcomer = parse_answer(await exchange(served, HEALTH))
        assert newcomer.status == 200
    for holder in holders:
        holder.close()


async def test_a_connection_is_closed_after_its_request_cap(
    serve_app: ServeApp, settings: Settings
) -> None:
    limits = ServerLimits(LONG, LONG, 100, max_requests_per_connection=3)
    served = await serve_app(create_app(settings), limits)
    client = await KeptAlive.open(served)
    answers = [await client.ask() for _ in range(3)]
    assert [a.headers.get("connection", "").lower() for a in answers if a] == ["", "", "close"]
    assert await closed_by_server(client.reader) == b""
    assert await client.ask() is None
    client.close()


async def test_a_connection_is_closed_after_its_lifetime(
    serve_app: ServeApp, settings: Settings
) -> None:
    # A lifetime shorter than any round trip: the first answer is already the last.
    limits = ServerLimits(LONG, LONG, 100, connection_lifetime=1e-6)
    served = await serve_app(create_app(settings), limits)
    client = await KeptAlive.open(served)
    answer = await client.ask()
    assert answer is not None and answer.status == 200
    assert answer.headers["connection"].lower() == "close"
    assert await closed_by_server(client.reader) == b""
    client.close()


async def test_connections_busy_with_a_request_are_never_closed_to_make_way(
    serve_app: ServeApp,
) -> None:
    bound = 2
    release = asyncio.Event()
    started = asyncio.Semaphore(0)

    async def waiting(request: web.Request) -> web.Response:
        started.release()
        await release.wait()
        return web.Response(text="done")

    app = web.Application()
    app.router.add_get("/wait", waiting)
    served = await serve_app(app, ServerLimits(LONG, LONG, bound))
    busy = [await KeptAlive.open(served) for _ in range(bound)]
    for client in busy:
        client.writer.write(b"GET /wait HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        await client.writer.drain()
    async with asyncio.timeout(SOCKET_WAIT_SECONDS):
        for _ in range(bound):
            await started.acquire()

    refused = parse_answer(await exchange(served, HEALTH))
    assert refused.status == 503

    release.set()
    for client in busy:
        answer = parse_answer(await closed_by_server(client.reader))
        assert (answer.status, answer.body) == (200, b"done")
        client.close()


async def test_a_connection_not_used_yet_is_not_closed_to_make_way(
    serve_app: ServeApp, settings: Settings
) -> None:
    bound = 2
    served = await serve_app(create_app(settings), ServerLimits(LONG, LONG, bound))
    fresh = [await KeptAlive.open(served) for _ in range(bound)]
    for _ in range(3):  # bounded: the server registers each connection within a loop turn
        refused = parse_answer(await exchange(served, HEALTH))
        if refused.status == 503:
            break
    assert refused.status == 503
    for client in fresh:  # their first requests still get through
        answer = await client.ask()
        assert answer is not None and answer.status == 200
        client.close()


async def test_the_late_end_of_a_body_does_not_keep_a_connection_from_making_way(
    serve_app: ServeApp, settings: Settings
) -> None:
    served = await serve_app(create_app(settings), ServerLimits(LONG, LONG, 1))
    holder = await KeptAlive.open(served)
    # The answer comes before the body; the body's last byte follows it, as a holder that
    # wants its connection to look busy between requests would send it.
    holder.writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\n\r\n")
    await holder.writer.drain()
    async with asyncio.timeout(SOCKET_WAIT_SECONDS):
        head = await holder.reader.readuntil(b"\r\n\r\n")
        await holder.reader.readexactly(int(parse_answer(head).headers["content-length"]))
    holder.writer.write(b"x")
    await holder.writer.drain()
    # The server reads that byte on a later loop turn; bounded retries until it has.
    for _ in range(100):
        answer = parse_answer(await exchange(served, HEALTH))
        if answer.status == 200:
            break
        await asyncio.sleep(0.01)
    assert answer.status == 200
    holder.close()
