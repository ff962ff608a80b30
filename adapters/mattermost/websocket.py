"""Our own small client for the Mattermost websocket (the events the listener reacts to).

Not mattermostdriver's websocket: it builds its TLS context for the wrong purpose
(``ssl.Purpose.CLIENT_AUTH``), runs its own event loop and retries silently.

* Auth: ``Authorization: Bearer`` on the upgrade, and the ``authentication_challenge`` action
  right after it, as the web app does; a server that already took the header ignores the
  action without a reply (``websocket_router.go``), an older one needs it.
* Liveness: protocol-level pings (aiohttp ``heartbeat``). The server itself pings every 60 s
  and drops a client whose pong is 100 s late (``web_conn.go``: ``pingInterval``,
  ``pongWaitTime``); aiohttp answers those on its own, and our pings find a dead link
  (a proxy or NAT that forgot us) within ``ping_seconds``.
* A bounded queue sits between receiving and handling: when the handler is slow the
  receiver stops reading, TCP pushes back on the server, nothing is dropped, order is kept.
  A handler stalled so long that a pong goes unread costs a reconnect and a resume (the
  server replays from the first event we did not queue), never an event.
* Reconnect with :class:`Backoff`; resume with ``connection_id`` + ``sequence_number``
  (see ``frames.py``). The server answers a resume without a ``hello``, so
  ``on_hello(first=False, resumed=True)`` comes with the first replayed or new event; a new
  connection id or a gap in ``seq`` gives ``on_hello(first=False, resumed=False)`` (catch up).
* A 401 stops for good: one log line (never the token), state ``unauthorized``, ``run``
  returns. Mattermost upgrades a bad token as an anonymous socket and closes it, so a socket
  that closes before saying anything is followed by one ``GET /users/me`` to tell the cases
  apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import ssl
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

import aiohttp

from adapters.mattermost.backoff import Backoff
from adapters.mattermost.frames import (
    Resume,
    challenge,
    is_reply,
    me_url,
    parse,
    reply_refuses_auth,
    websocket_url,
)
from adapters.mattermost.sequence import Delivery, EventOrder, Hello

log = logging.getLogger(__name__)

CHALLENGE_SEQ = 1  # our first (and only) action on each connection


class SocketHandler(Protocol):
    async def on_hello(self, *, first: bool, resumed: bool) -> None: ...

    async def on_event(self, event: Mapping[str, Any]) -> None: ...


class _Outcome(enum.Enum):
    WORKED = "worked"  # the server sent something: reset the backoff
    FAILED = "failed"
    REFUSED = "refused"  # the token is not accepted: stop


class MattermostSocket:
    """Listens until cancelled; ``state`` is for /healthz."""

    def __init__(
        self,
        base_url: str,
        token: str,
        handler: SocketHandler,
        *,
        ssl_context: ssl.SSLContext | None = None,
        queue_size: int = 256,
        backoff: Backoff = Backoff(),  # noqa: B008 - frozen, so one shared default is safe
        ping_seconds: float = 30.0,
        handshake_seconds: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self._base_url = base_url
        self._headers = {"Authorization": f"Bearer {token}"}
        self._token = token
        self._handler = handler
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
        self._queue_size = queue_size
        self._backoff = backoff
        self._ping_seconds = ping_seconds
        self._handshake_seconds = handshake_seconds
        self._sleep = sleep
        self._order = EventOrder()
        self._handled: Resume | None = None  # where the stream stood after the last handled one
        self._queue: asyncio.Queue[Delivery] | None = None
        self.state = "stopped"

    @property
    def backlog(self) -> int:
        """Deliveries received and not yet handled (at most ``queue_size``)."""
        return 0 if self._queue is None else self._queue.qsize()

    def __repr__(self) -> str:  # never show the token
        return f"MattermostSocket(state={self.state!r})"

    async def run(self) -> None:
        self.state = "connecting"
        queue: asyncio.Queue[Delivery] = asyncio.Queue(maxsize=self._queue_size)
        self._queue = queue
        handling = asyncio.create_task(self._handle(queue))
        try:
            timeout = aiohttp.ClientTimeout(total=None)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                await self._listen(session, queue)
            await queue.join()  # refused: what did arrive is still handled
        finally:
            handling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await handling
            self._order.rewind(self._handled)
            self._queue = None
            if self.state != "unauthorized":
                self.state = "stopped"

    async def _listen(self, session: aiohttp.ClientSession, queue: asyncio.Queue[Delivery]) -> None:
        failures = 0
        while True:
            outcome = await self._connect_once(session, queue)
            if outcome is _Outcome.REFUSED:
                self.state = "unauthorized"
                log.error(
                    "Mattermost refused the bot token (401): the listener stops. Give the bot "
                    "account a valid access token in MELDWIJZER_MATTERMOST_TOKEN and restart."
                )
                return
            failures = 0 if outcome is _Outcome.WORKED else failures + 1
            self.state = "reconnecting"
            await self._sleep(self._backoff.delay(max(failures, 1)))

    async def _connect_once(
        self, session: aiohttp.ClientSession, queue: asyncio.Queue[Delivery]
    ) -> _Outcome:
        url = websocket_url(self._base_url, self._order.resume())
        try:
            async with asyncio.timeout(self._handshake_seconds):
                ws = await session.ws_connect(
                    url,
                    headers=self._headers,
                    ssl=self._ssl,
                    heartbeat=self._ping_seconds,
                    timeout=aiohttp.ClientWSTimeout(ws_close=2.0),
                )
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status == 401:
                return _Outcome.REFUSED
            log.warning("Mattermost websocket upgrade refused: HTTP %s", exc.status)
            return _Outcome.FAILED
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.warning("Mattermost websocket could not connect (%s)", type(exc).__name__)
            return _Outcome.FAILED
        async with ws:
            self.state = "connected"
            outcome = await self._receive(ws, queue)
        if outcome is _Outcome.FAILED and await self._token_refused(session):
            return _Outcome.REFUSED
        return outcome

    async def _receive(
        self, ws: aiohttp.ClientWebSocketResponse, queue: asyncio.Queue[Delivery]
    ) -> _Outcome:
        """Frames into the queue until the socket closes; WORKED once anything came."""
        self._order.connected()
        outcome = _Outcome.FAILED
        try:
            await ws.send_json(challenge(CHALLENGE_SEQ, self._token))
            async for message in ws:
                if message.type is not aiohttp.WSMsgType.TEXT:
                    continue  # ERROR ends the iteration by itself; binary is never asked for
                frame = parse(message.data)
                if frame is None:
                    log.warning("Mattermost sent a websocket frame that is not a JSON object")
                    continue
                if is_reply(frame):
                    if reply_refuses_auth(frame, CHALLENGE_SEQ):
                        return _Outcome.REFUSED
                    continue
                outcome = _Outcome.WORKED
                for delivery in self._order.accept(frame):
                    await queue.put(delivery)  # blocks while the handler is behind
        except (aiohttp.ClientError, OSError) as exc:
            log.warning("Mattermost websocket failed (%s)", type(exc).__name__)
        return outcome

    async def _token_refused(self, session: aiohttp.ClientSession) -> bool:
        """A socket that closed before saying anything: is it the token?

        Mattermost upgrades a request with an invalid token as an anonymous socket, closes it
        at a failed challenge, and answers REST with 401 (``websocket_router.go``).
        """
        try:
            async with (
                asyncio.timeout(self._handshake_seconds),
                session.get(me_url(self._base_url), headers=self._headers, ssl=self._ssl) as r,
            ):
                return r.status == 401
        except (aiohttp.ClientError, OSError, TimeoutError):
            return False

    async def _handle(self, queue: asyncio.Queue[Delivery]) -> None:
        """One delivery at a time, in the order received."""
        while True:
            delivery = await queue.get()
            try:
                if isinstance(delivery, Hello):
                    await self._handler.on_hello(first=delivery.first, resumed=delivery.resumed)
                else:
                    await self._handler.on_event(delivery.frame)
            except Exception as exc:  # one bad event must not stop the listener
                log.error("Mattermost event handler failed (%s)", type(exc).__name__)
            except asyncio.CancelledError:
                queue.task_done()
                raise  # not handled: a later resume replays it
            if delivery.position is not None:
                self._handled = delivery.position
            queue.task_done()
