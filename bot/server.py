"""Running the aiohttp app: the one place that opens the port, and the guards around it.

aiohttp's own low-level error path logs "Error handling request from <address>" with a
traceback that quotes the offending request line or header, and answers in plain text
without our headers. Here a bad request gets a short JSON problem with the security headers,
one log line naming only the kind of error, and no traceback (each connection's part is in
bot/connection.py); so does an ``Expect`` we cannot meet. The guards against slow clients
are here too: a deadline for the first request head, a short keep-alive, a cap on requests
and lifetime per connection, and a bound on open connections per process at which the
connection idle longest makes way (the body timeout is the web chat's, where it reads).
And the graceful stop on SIGTERM: "stopping" in /healthz, the port closed, the requests in
flight finished, then the app's lifetime ended (:func:`serve`).

Hooked in through aiohttp's extension points: ``Server.__call__`` (the asyncio protocol
factory) and ``Server.connection_made``/``connection_lost`` (web_server.py), and
``AppRunner._make_server``, the abstract method every ``BaseRunner`` implements
(web_runner.py). tests/http/test_server_guards.py pins each against aiohttp 3.14.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import hdrs, web

from adapters.webchat import RouteAccessLogger
from adapters.webchat.refusal import refusal_response
from bot.connection import GuardedRequestHandler, ServerLimits
from bot.health import HEALTH

__all__ = ["GuardedRequestHandler", "GuardedRunner", "GuardedServer", "ServerLimits", "run"]

log = logging.getLogger("meldwijzer.http")

# After answering a request whose body was not read to the end (too large, too slow),
# aiohttp keeps reading and discarding it for this long so the client sees the answer
# (web_protocol.py, RequestHandler.start; its default is 10 s).
LINGERING_SECONDS = 2.0
# On a graceful stop, how long a request in flight may still take: a turn waits at most
# for its body (MELDWIJZER_HTTP_BODY_TIMEOUT_SECONDS, 20 s) and an Argon2id run (its wait is
# bounded by MELDWIJZER_KDF_WAIT_SECONDS); after this aiohttp cancels it.
IN_FLIGHT_SECONDS = 30.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class GuardedServer(web.Server):
    """aiohttp's protocol factory with a bound on open connections and guarded handlers.

    At the bound, the connection that has been idle longest makes way for the newcomer, so
    connections kept alive with a cheap request now and then cannot lock others out; only
    when every connection is in the middle of a request is a newcomer refused.
    """

    def __init__(
        self,
        handler: Callable[[web.BaseRequest], Awaitable[web.StreamResponse]],
        *,
        request_factory: Callable[..., web.BaseRequest],
        loop: asyncio.AbstractEventLoop,
        limits: ServerLimits,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            refusing_unknown_expectations(handler),
            request_factory=self._note_head,
            loop=loop,
            **kwargs,
        )
        self._make_routed_request = request_factory
        self._limits = limits
        self._handler_loop = loop
        self._handler_kwargs = kwargs
        self._open: set[web.RequestHandler] = set()
        self._full = False

    def __call__(self) -> web.RequestHandler:
        return GuardedRequestHandler(
            self, loop=self._handler_loop, limits=self._limits, **self._handler_kwargs
        )

    def _note_head(self, message: Any, payload: Any, protocol: Any, *rest: Any) -> web.BaseRequest:
        # aiohttp builds the request object as it starts handling a request; a request
        # marked should_close is answered with ``Connection: close`` and the connection
        # ends after it (web_response.py, StreamResponse._prepare_headers).
        if isinstance(protocol, GuardedRequestHandler) and protocol.request_started():
            message = message._replace(should_close=True)
        return self._make_routed_request(message, payload, protocol, *rest)

    def connection_made(self, handler: web.RequestHandler, transport: asyncio.Transport) -> None:
        if len(self._open) < self._limits.max_connections:
            self._full = False
        else:
            if not self._full:
                # Once per time the bound is reached, not once per newcomer.
                log.warning("open connections at the limit (%d)", self._limits.max_connections)
                self._full = True
            if not self._make_way():
                if isinstance(handler, GuardedRequestHandler):
                    handler.refuse(transport)
                else:
                    transport.close()
                return
        self._open.add(handler)
        super().connection_made(handler, transport)

    def _make_way(self) -> bool:
        """Close the connection idle longest; False if every one is busy with a request."""
        idle = [h for h in self._open if isinstance(h, GuardedRequestHandler) and h.is_idle()]
        if not idle:
            return False
        oldest = min(idle, key=lambda handler: handler.last_active)
        self._open.discard(oldest)
        oldest.force_close()  # nothing in flight; what it was sent is flushed first
        return True

    def connection_lost(
        self, handler: web.RequestHandler, exc: BaseException | None = None
    ) -> None:
        self._open.discard(handler)
        super().connection_lost(handler, exc)


def refusing_unknown_expectations(
    handler: Callable[[web.BaseRequest], Awaitable[web.StreamResponse]],
) -> Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]:
    """``handler`` behind a 417 problem for an ``Expect`` other than ``100-continue``.

    aiohttp's default expect handler answers those itself, in plain text that quotes the
    header back and without our headers (web_urldispatcher.py, _default_expect_handler),
    before any middleware runs. RFC 9110, section 10.1.1: 417 for an expectation we
    cannot meet; ``100-continue`` (compared as aiohttp does) is still aiohttp's to answer.
    """

    async def answer(request: web.BaseRequest) -> web.StreamResponse:
        expect = request.headers.get(hdrs.EXPECT)
        if expect and expect.lower() != "100-continue":
            log.info("refused a request with an unknown expectation (417)")
            return refusal_response(417)
        return await handler(request)

    return answer


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
    app: web.Application,
    host: str,
    port: int,
    limits: ServerLimits,
    on_ready: Callable[[], None],
    *,
    drain_seconds: float = 0.0,
) -> None:
    """Serve until SIGTERM or SIGINT, then stop gracefully (see :func:`_stop_when_asked`)."""
    runner = GuardedRunner(app, limits, handle_signals=False, shutdown_timeout=IN_FLIGHT_SECONDS)
    await runner.setup()  # the app's start: the classifier learns, the database is checked
    settle_heap()
    try:
        await web.TCPSite(runner, host, port).start()
        on_ready()
        await _stop_when_asked(app, drain_seconds)
    finally:
        await runner.cleanup()


def settle_heap() -> None:
    """Take what start-up built out of the garbage collector's way, once, before serving.

    The knowledge base, the classifier, the modules: some hundred thousand objects that live
    as long as the process. Every full collection walked them all, about 75 ms on the
    benchmark machine, holding up whichever turns were in flight (the p99 of the web chat
    turn, bench/RESULTS.md). Collected first, so no garbage is frozen with them; what turns
    allocate afterwards is collected as before (docs.python.org, ``gc.freeze``).
    """
    gc.collect()
    gc.freeze()


async def _stop_when_asked(app: web.Application, drain_seconds: float) -> None:
    """Wait for SIGTERM or SIGINT; then /healthz says "stopping" for ``drain_seconds``.

    After that ``runner.cleanup`` closes the port, lets the requests in flight finish (up to
    ``IN_FLIGHT_SECONDS``) and only then ends the app's lifetime: the background loops finish
    their round and hand back what they hold (bot/stopping.py). aiohttp's own handling
    (``handle_signals=True``) raises ``GracefulExit`` out of the event loop instead, and
    ``asyncio.run`` then cancels every task at once, the turns in flight among them
    (asyncio/runners.py, ``_cancel_all_tasks``). A second signal stops at once.
    """
    loop = asyncio.get_running_loop()
    asked = asyncio.Event()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, asked.set)
    try:
        await asked.wait()
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)
    log.info("stopping: finishing the requests in flight")
    health = app.get(HEALTH)
    if health is not None:
        health.begin_stopping()
    if drain_seconds > 0:
        await asyncio.sleep(drain_seconds)


def run(
    app: web.Application,
    host: str,
    port: int,
    limits: ServerLimits,
    on_ready: Callable[[], None],
    *,
    drain_seconds: float = 0.0,
) -> None:
    """What ``meldwijzer serve`` runs: :func:`serve` in a fresh event loop."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(app, host, port, limits, on_ready, drain_seconds=drain_seconds))
