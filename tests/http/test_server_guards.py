"""What bot/server.py and bot/connection.py rely on in aiohttp 3.14, pinned against upgrades.

The behaviour itself is tested in the other modules of this folder; these tests name the
extension points: the runner's ``_make_server``, ``Server.__call__`` as protocol factory,
the request factory's arguments, ``RequestHandler.handle_error``'s signature, and the
connection state bot/connection.py reads.
"""

from __future__ import annotations

import asyncio
import inspect

from aiohttp import web
from aiohttp.http_parser import RawRequestMessage as PyRawRequestMessage
from aiohttp.web_protocol import RawRequestMessage

from bot.server import GuardedRequestHandler, GuardedRunner, GuardedServer, ServerLimits
from tests.http.conftest import ServeApp, exchange, parse_answer


def test_the_runner_builds_its_server_in_make_server() -> None:
    # BaseRunner.setup() calls the abstract _make_server() (web_runner.py).
    assert "_make_server" in web.BaseRunner.__abstractmethods__
    assert "_make_server" in vars(GuardedRunner)


def test_our_handle_error_has_aiohttps_signature() -> None:
    ours = inspect.signature(GuardedRequestHandler.handle_error)
    theirs = inspect.signature(web.RequestHandler.handle_error)
    assert list(ours.parameters) == list(theirs.parameters)
    assert "log_exception" in vars(web.RequestHandler)


async def test_the_server_makes_guarded_handlers() -> None:
    runner = GuardedRunner(web.Application(), ServerLimits())
    await runner.setup()
    try:
        assert isinstance(runner.server, GuardedServer)
        handler = runner.server()
        assert isinstance(handler, GuardedRequestHandler)
    finally:
        await runner.cleanup()


async def test_a_complete_head_ends_the_head_deadline(serve_app: ServeApp) -> None:
    """A handler slower than the head deadline still answers: the request factory saw the head."""

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.6)
        return web.Response(text="done")

    app = web.Application()
    app.router.add_get("/slow", slow)
    served = await serve_app(app, ServerLimits(header_timeout=0.2, keepalive=30.0))
    raw = b"GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    answer = parse_answer(await exchange(served, raw))
    assert (answer.status, answer.body) == (200, b"done")


def test_the_connection_state_we_read_is_where_we_read_it() -> None:
    # GuardedRequestHandler.is_idle and data_received read these (web_protocol.py).
    for name in (
        "_waiter",
        "_messages",
        "_request_count",
        "_next_keepalive_close_time",
        "_keepalive_timeout",
    ):
        assert name in web.RequestHandler.__slots__, name
    # GuardedServer._note_head marks a connection's last request with _replace.
    assert callable(getattr(RawRequestMessage, "_replace", None))
    assert callable(getattr(PyRawRequestMessage, "_replace", None))


def test_a_stopping_connection_drops_what_arrives_unless_we_read_it() -> None:
    # RequestHandler.data_received returns while _close or _force_close is set
    # (web_protocol.py); GuardedRequestHandler reads on for a request in flight, which
    # aiohttp marks with _request_in_progress (RequestHandler._handle_request).
    source = inspect.getsource(web.RequestHandler.data_received)
    assert "if self._force_close or self._close:" in source
    assert {"_close", "_force_close", "_request_in_progress"} <= set(web.RequestHandler.__slots__)
    assert "self._request_in_progress = True" in inspect.getsource(
        web.RequestHandler._handle_request
    )
