"""One HTTP connection: how long and how much it may take, and its quiet refusals.

A deadline for the first request head, a cap on requests and on lifetime per connection,
and whether it is idle (between requests) so that the server may close it to make way for
a newcomer at the bound. Bad requests get our JSON problem instead of aiohttp's plain text
and one log line naming only the kind of error. Hooked in through
``RequestHandler.handle_error`` and ``log_exception`` (aiohttp's web_protocol.py);
tests/http/test_server_guards.py pins the internals read here against aiohttp 3.14.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage, LineTooLong

from adapters.webchat.refusal import busy_bytes, refusal_response
from bot.settings import Settings

log = logging.getLogger("meldwijzer.http")

# aiohttp raises this BadHttpMessage text past max_headers (http_parser.py, _http_parser.pyx).
_TOO_MANY_HEADERS = "Too many headers received"


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """How long a client may take, how many may be connected, how long one may stay."""

    header_timeout: float = 10.0
    keepalive: float = 15.0
    max_connections: int = 512
    # Past either, the answer carries ``Connection: close``: a connection is not a place a
    # client can keep forever, however politely it asks for /healthz.
    max_requests_per_connection: int = 100
    connection_lifetime: float = 60.0

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
    """One connection: a deadline for its first request head, a life cap, quiet refusals."""

    __slots__ = (
        "_head_deadline",
        "_head_pending",
        "_last_active",
        "_limits",
        "_opened_at",
        "_refused",
        "_requests",
    )

    def __init__(self, manager: web.Server, *, limits: ServerLimits, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._limits = limits
        self._head_deadline: asyncio.TimerHandle | None = None
        self._refused = False
        self._head_pending = False
        self._requests = 0
        self._opened_at = self._last_active = 0.0

    @property
    def last_active(self) -> float:
        """When the client last sent anything (event-loop time)."""
        return self._last_active

    def is_idle(self) -> bool:
        """Between two requests with nothing in flight: closing it loses nothing.

        aiohttp's ``start`` waits on ``_waiter`` with an empty ``_messages`` queue only
        between requests, and it arms the keep-alive timer as a response is done, at
        ``_next_keepalive_close_time - _keepalive_timeout`` (web_protocol.py,
        RequestHandler.start). Bytes received after that which completed no request head
        are a head arriving in parts; bytes before it (the end of the last body) are not.
        HTTP clients retry a request on a kept-alive connection the server closed while
        idle (RFC 9112, section 9.3.1).
        """
        if self._refused or self._requests == 0:
            # A connection not used yet is about to send its first request: closing it would
            # fail that request. The head deadline bounds how long it may wait.
            return False
        if self._waiter is None or self._waiter.done() or self._messages:
            return False
        idle_since = self._next_keepalive_close_time - self._keepalive_timeout
        return not (self._head_pending and self._last_active > idle_since)

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
        if self._refused:
            return
        self._last_active = self._loop.time()
        before = self._request_count
        if self._request_in_progress and (self._close or self._force_close) and self.transport:
            self._finish_reading(data)
        else:
            super().data_received(data)
        # aiohttp counts each request head it has parsed; bytes that completed none are
        # part of a head still coming in.
        self._head_pending = bool(data) and self._request_count == before

    def _finish_reading(self, data: bytes) -> None:
        """The rest of a request in flight when a graceful stop began, read all the same.

        Once a stop began aiohttp drops what a connection sends (``data_received`` returns
        while ``_close`` or ``_force_close`` is set, web_protocol.py), so a turn whose body
        was still on its way would wait for it until the body timeout and answer 408 instead
        of finishing. Its flags are restored at once: nothing after this request is served.
        """
        flags = (self._close, self._force_close)
        self._close = self._force_close = False
        try:
            super().data_received(data)
        finally:
            self._close, self._force_close = flags

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        # Later requests on this connection are bounded by the keep-alive timeout: aiohttp
        # arms it after each response and it closes a connection that is still waiting for a
        # complete request head (web_protocol.py, RequestHandler._process_keepalive).
        self._opened_at = self._last_active = self._loop.time()
        self._head_deadline = self._loop.call_later(
            self._limits.header_timeout, self._head_too_slow
        )

    def head_received(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def request_started(self) -> bool:
        """Count a request as it starts; True if it is to be this connection's last."""
        self.head_received()
        self._requests += 1
        age = self._loop.time() - self._opened_at
        limits = self._limits
        return self._requests >= limits.max_requests_per_connection or (
            age >= limits.connection_lifetime
        )

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
