"""Running the aiohttp app: the one place that opens the port, and the guards around it.

aiohttp's own low-level error path logs "Error handling request from <address>" with a
traceback that quotes the offending request line or header, and answers in plain text
without our headers. Here a bad request gets a short JSON problem with the security headers,
one log line naming only the kind of error, and no traceback. The guards against slow
clients are here too: a deadline for the first request head, a short keep-alive, and a
bound on open connections per process (the body timeout is the web chat's, where it reads).

Hooked in through aiohttp's extension points: ``RequestHandler.handle_error`` and
``log_exception`` (web_protocol.py), ``Server.__call__`` (the asyncio protocol factory) and
``Server.connection_made``/``connection_lost`` (web_server.py), and
``AppRunner._make_server``, the abstract method every ``BaseRunner`` implements
(web_runner.py). tests/http/test_server_guards.py pins each against aiohttp 3.14.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage, LineTooLong

from adapters.webchat import RouteAccessLogger
from adapters.webchat.refusal import busy_bytes, refusal_response
from bot.settings import Settings

log = logging.getLogger("meldwijzer.http")

# After answering a request whose body was not read to the end (too large, too slow),
# aiohttp keeps reading and discarding it for this long so the client sees the answer
# (web_protocol.py, RequestHandler.start; its default is 10 s).
LINGERING_SECONDS = 2.0
# aiohttp raises this BadHttpMessage text past max_headers (http_parser.py, _http_parser.pyx).
_TOO_MANY_HEADERS = "Too many headers received"


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """How long a client may take and how many may be connected at once."""

    header_timeout: float = 10.0
    keepalive: float = 15.0
    max_connections: int = 512

    @classmethod
    def from_settings(cls, settings: Settings) -> ServerLimits:
        return cls(
            header_timeout=settings.http_header_timeout_seconds,
            keepalive=settings.http_keepalive_seconds,
            max_connections=settings.http_max_connections,
        )


def refusal_status(exc: BaseException | None, status: int) -> int:
    """431 for a header line or header count over aiohttp's limits, else aiohttp's status."""
    if isinstance(exc, LineTooLong):
        return 431
    if isinstance(exc, BadHttpMessage) and exc.message == _TOO_MANY_HEADERS:
        return 431
    return status


class GuardedRequestHandler(web.RequestHandler):
    """One connection: a deadline for its first request head, and quiet refusals."""

    __slots__ = ("_head_deadline", "_header_timeout", "_refused")

    def __init__(self, manager: web.Server, *, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._header_timeout = header_timeout
        self._head_deadline: asyncio.TimerHandle | None = None
        self._refused = False

    def refuse(self, transport: asyncio.Transport) -> None:
        """Over the bound: answer 503 busy, read nothing, and let the client hang up.

        Not closed at once: aiohttp starts this connection's task right after
        ``connection_made`` and asserts it is still connected (web_protocol.py), and a
        close with the client's request unread would reset the connection (a TCP RST)
        before the client reads the answer. Sending EOF lets the client close; the head
        deadline closes it if the client does not.
        """
        self._refused = True
        transport.write(busy_bytes())
        if transport.can_write_eof():
            transport.write_eof()

    def data_received(self, data: bytes) -> None:
        if not self._refused:
            super().data_received(data)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        # Later requests on this connection are bounded by the keep-alive timeout: aiohttp
        # arms it after each response and it closes a connection that is still waiting for a
        # complete request head (web_protocol.py, RequestHandler._process_keepalive).
        loop = asyncio.get_running_loop()
        self._head_deadline = loop.call_later(self._header_timeout, self._head_too_slow)

    def head_received(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def connection_lost(self, exc: BaseException | None) -> None:
        self.head_received()
        super().connection_lost(exc)

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        log.debug("closed a connection that sent no complete request head in time")
        self.force_close()

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """Our answer instead of aiohttp's; ``message`` is ignored: it quotes the request."""
        status = refusal_status(exc, status)
        if exc is not None and status >= 500:
            log.error("request failed: %s at %s", type(exc).__name__, _where(exc))
        elif exc is not None:
            log.info("refused a bad request: %s (%d)", type(exc).__name__, status)
        if request.writer.output_size > 0:
            # As aiohttp does: part of a response went out, another cannot follow.
            raise ConnectionError("response already started; closing the connection")
        return refusal_response(status)

    def log_exception(self, *args: Any, **kw: Any) -> None:
        """aiohttp's other error lines, without their arguments or a traceback."""
        exc = kw.get("exc_info")
        name = type(exc).__name__ if isinstance(exc, BaseException) else "no exception"
        log.error("HTTP protocol error: %s", name)


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"


class GuardedServer(web.Server):
    """aiohttp's protocol factory with a bound on open connections and guarded handlers."""

    def __init__(
        self,
        handler: Callable[..., Any],
        *,
        request_factory: Callable[..., web.BaseRequest],
        loop: asyncio.AbstractEventLoop,
        limits: ServerLimits,
        **kwargs: Any,
    ) -> None:
        super().__init__(handler, request_factory=self._note_head, loop=loop, **kwargs)
        self._make_routed_request = request_factory
        self._limits = limits
        self._handler_loop = loop
        self._handler_kwargs = kwargs
        self._open: set[web.RequestHandler] = set()
        self._full = False

    def __call__(self) -> web.RequestHandler:
        return GuardedRequestHandler(
            self,
            loop=self._handler_loop,
            header_timeout=self._limits.header_timeout,
            **self._handler_kwargs,
        )

    def _note_head(self, message: Any, payload: Any, protocol: Any, *rest: Any) -> web.BaseRequest:
        # aiohttp builds the request object once a request head is complete.
        if isinstance(protocol, GuardedRequestHandler):
            protocol.head_received()
        return self._make_routed_request(message, payload, protocol, *rest)

    def connection_made(self, handler: web.RequestHandler, transport: asyncio.Transport) -> None:
        if len(self._open) >= self._limits.max_connections:
            if not self._full:
                log.warning("open connections at the limit (%d)", self._limits.max_connections)
                self._full = True
            if isinstance(handler, GuardedRequestHandler):
                handler.refuse(transport)
            else:
                transport.close()
            return
        self._full = False
        self._open.add(handler)
        super().connection_made(handler, transport)

    def connection_lost(
        self, handler: web.RequestHandler, exc: BaseException | None = None
    ) -> None:
        self._open.discard(handler)
        super().connection_lost(handler, exc)


class GuardedRunner(web.AppRunner):
    """``web.AppRunner`` that serves through :class:`GuardedServer`."""

    __slots__ = ("_limits",)

    def __init__(self, app: web.Application, limits: ServerLimits, **kwargs: Any) -> None:
        super().__init__(app, access_log_class=RouteAccessLogger, **kwargs)
        self._limits = limits

    async def _make_server(self) -> web.Server:
        # AppRunner._make_server starts the app and builds aiohttp's plain Server
        # (web_runner.py); we keep its request handler and factory behind our guards.
        plain = await super()._make_server()
        return GuardedServer(
            plain.request_handler,
            request_factory=plain.request_factory,
            loop=asyncio.get_running_loop(),
            limits=self._limits,
            access_log_class=RouteAccessLogger,
            keepalive_timeout=self._limits.keepalive,
            lingering_time=LINGERING_SECONDS,
            # Nothing we serve takes a compressed body (the web chat refuses one with a
            # 400 problem); left on, aiohttp decodes gzip, deflate and br inside its parser.
            auto_decompress=False,
        )


async def serve(
    app: web.Application, host: str, port: int, limits: ServerLimits, on_ready: Callable[[], None]
) -> None:
    """Serve until SIGINT or SIGTERM (aiohttp raises ``GracefulExit``), then clean up."""
    runner = GuardedRunner(app, limits, handle_signals=True)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        on_ready()
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def run(
    app: web.Application, host: str, port: int, limits: ServerLimits, on_ready: Callable[[], None]
) -> None:
    """What ``meldwijzer serve`` runs: :func:`serve` in a fresh event loop."""
    with contextlib.suppress(web.GracefulExit, KeyboardInterrupt):
        asyncio.run(serve(app, host, port, limits, on_ready))
