"""The fake's websocket at /api/v4/websocket, with the server's resume rules.

As the server implements it (``api4/websocket.go``, ``platform/web_hub.go``,
``platform/web_conn.go``):

* A token in ``Authorization: Bearer`` authenticates the upgrade. A missing, revoked or unknown
  token does NOT fail the upgrade (the route does not require a session): the socket opens
  unauthenticated and the client must send ``authentication_challenge``; a bad token there
  closes the socket without a reply; a socket that never authenticates is closed after
  ``auth_timeout`` seconds (the server's ``authCheckInterval``, 5 s).
* A fresh connection gets ``hello`` (seq 0, ``data.connection_id``); every event carries the
  next ``seq``; replies to client actions carry ``seq_reply`` and no ``seq``.
* The server keeps the last 128 events sent per connection (the dead queue) and queues events
  for a dropped connection (up to 256). A reconnect with ``connection_id`` and
  ``sequence_number`` (the next seq the client expects) of a connection it still holds gets
  NO new hello: the missed events are replayed with their own seq numbers, then the queued
  ones. If the number is no longer held, the connection gets a NEW id and a hello with seq 0.
  An unknown connection id (server restart, long timeout) is a fresh connection. Resume needs
  the token on the upgrade: a connection authenticated by challenge is always fresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .fake_model import SERVER_VERSION, new_id
from .fake_workspace import broadcast_of

if TYPE_CHECKING:
    from .fake_server import FakeMattermost

DEAD_QUEUE_SIZE = 128
SEND_QUEUE_SIZE = 256


@dataclass
class Connection:
    """The server's memory of one connection id, alive or dropped."""

    id: str
    user_id: str
    next_seq: int = 0
    dead: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=DEAD_QUEUE_SIZE))
    queued: list[dict[str, Any]] = field(default_factory=list)
    socket: web.WebSocketResponse | None = None


class SocketHub:
    def __init__(self, fake: FakeMattermost) -> None:
        self.fake = fake
        self.connections: dict[str, Connection] = {}
        self.open: set[web.WebSocketResponse] = set()
        self.transports: dict[web.WebSocketResponse, asyncio.Transport | None] = {}
        self.total = 0
        self.frames_sent: list[dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        # A short close timeout: a client that stopped reading must not hold a drop up.
        socket = web.WebSocketResponse(heartbeat=None, autoping=True, timeout=2.0)
        await socket.prepare(request)
        self.total += 1
        self.open.add(socket)
        self.transports[socket] = request.transport
        try:
            user = self.fake.user_for_header(request.headers.get("Authorization"))
            if self.fake.require_challenge:
                user = None
            connection: Connection | None = None
            if user is not None:
                connection = await self._attach(socket, user.id, request.query)
            await self._read(socket, connection)
        finally:
            self.open.discard(socket)
            self.transports.pop(socket, None)
            for held in self.connections.values():
                if held.socket is socket:
                    held.socket = None
        return socket

    async def _attach(
        self, socket: web.WebSocketResponse, user_id: str, query: Any
    ) -> Connection | None:
        wanted = query.get("connection_id", "")
        held = self.connections.get(wanted)
        if not wanted or held is None or held.user_id != user_id:
            return await self._fresh(socket, user_id)
        if "sequence_number" not in query or not query["sequence_number"].isdigit():
            self.fake.shape_errors.append("websocket: connection_id without a sequence_number")
            await socket.close()
            return None
        if held.socket is not None:
            await held.socket.close()
        held.socket = socket
        await self._resume(held, int(query["sequence_number"]))
        return held

    async def _fresh(self, socket: web.WebSocketResponse, user_id: str) -> Connection:
        connection = Connection(new_id(), user_id, socket=socket)
        self.connections[connection.id] = connection
        await self._send_event(connection, self._hello(connection))
        return connection

    async def _resume(self, held: Connection, sequence: int) -> None:
        held_seqs = [frame["seq"] for frame in held.dead]
        if sequence != 0 and sequence in held_seqs:
            for frame in list(held.dead):
                if frame["seq"] >= sequence:
                    await self._write(held.socket, frame)
        elif sequence not in (0, held.next_seq):
            # Lost events the server no longer holds: a new id, a hello, seq from 0.
            del self.connections[held.id]
            held.id = new_id()
            self.connections[held.id] = held
            held.dead.clear()
            held.next_seq = 0
            await self._send_event(held, self._hello(held))
        queued, held.queued = held.queued, []
        for event in queued:
            await self._send_event(held, event)

    def _hello(self, connection: Connection) -> dict[str, Any]:
        return {
            "event": "hello",
            "data": {
                "connection_id": connection.id,
                "server_version": SERVER_VERSION,
            },
            "broadcast": broadcast_of(user_id=connection.user_id),
        }

    async def _read(self, socket: web.WebSocketResponse, connection: Connection | None) -> None:
        authenticated = connection is not None
        deadline = None if authenticated else self.fake.auth_timeout
        while not socket.closed:
            try:
                message = await asyncio.wait_for(socket.receive(), timeout=deadline)
            except TimeoutError:
                await socket.close()  # never authenticated: the server's authTicker
                return
            if message.type != WSMsgType.TEXT:
                return
            try:
                frame = json.loads(message.data)
            except ValueError:
                self.fake.shape_errors.append("websocket: a frame that is not JSON")
                continue
            self.fake.record_frame(frame)
            if not isinstance(frame, dict):
                self.fake.shape_errors.append("websocket: a frame that is not an object")
                continue
            if frame.get("action") == "authentication_challenge":
                if authenticated:
                    continue  # the server ignores a second challenge
                connection = await self._challenge(socket, frame)
                if connection is None:
                    await socket.close()  # a bad token: closed, no reply
                    return
                authenticated, deadline = True, None
                continue
            await self._answer(socket, frame, authenticated)

    async def _challenge(
        self, socket: web.WebSocketResponse, frame: dict[str, Any]
    ) -> Connection | None:
        data = frame.get("data")
        token = data.get("token") if isinstance(data, dict) else None
        user = self.fake.user_for_token(token) if isinstance(token, str) else None
        if user is None:
            return None
        await self._write(socket, {"status": "OK", "seq_reply": frame.get("seq")})
        return await self._fresh(socket, user.id)

    async def _answer(
        self, socket: web.WebSocketResponse, frame: dict[str, Any], authenticated: bool
    ) -> None:
        seq = frame.get("seq")
        if not isinstance(seq, int):
            self.fake.shape_errors.append("websocket: an action without an integer seq")
        if not authenticated:
            await self._write(socket, _failure(seq, "not_authenticated", 401))
        elif frame.get("action") == "ping":
            data = {"text": "pong", "version": SERVER_VERSION, "server_time": _millis()}
            await self._write(socket, {"status": "OK", "seq_reply": seq, "data": data})
        elif frame.get("action") in ("user_typing", "get_statuses", "get_statuses_by_ids"):
            await self._write(socket, {"status": "OK", "seq_reply": seq})
        else:
            await self._write(socket, _failure(seq, "bad_action", 501))

    async def broadcast(self, event: dict[str, Any], user_ids: list[str]) -> None:
        """Send to every connection of these users (queued for dropped ones)."""
        for connection in list(self.connections.values()):
            if connection.user_id not in user_ids or self.fake.revoked:
                continue
            if connection.socket is None or connection.socket.closed:
                connection.queued.append(json.loads(json.dumps(event)))
                if len(connection.queued) > SEND_QUEUE_SIZE:
                    del self.connections[connection.id]  # the server drops a full queue
                continue
            await self._send_event(connection, event)

    async def _send_event(self, connection: Connection, event: dict[str, Any]) -> None:
        frame = {**json.loads(json.dumps(event)), "seq": connection.next_seq}
        connection.next_seq += 1
        connection.dead.append(frame)
        await self._write(connection.socket, frame)

    async def _write(self, socket: web.WebSocketResponse | None, frame: dict[str, Any]) -> None:
        if socket is None or socket.closed:
            return
        self.frames_sent.append(frame)
        with contextlib.suppress(ConnectionError):
            await socket.send_str(json.dumps(frame))

    async def drop(self, *, abrupt: bool = False) -> None:
        """Close every socket: with "going away" (1001), or ``abrupt``: the TCP connection
        cut with no close frame, as a network failure or a killed proxy does."""
        for connection in self.connections.values():
            connection.socket = None
        if abrupt:
            for transport in list(self.transports.values()):
                if transport is not None:
                    transport.abort()
            return
        await asyncio.gather(*(socket.close(code=1001) for socket in list(self.open)))

    def forget(self) -> None:
        self.connections.clear()


def _failure(seq: Any, reason: str, status: int) -> dict[str, Any]:
    return {
        "status": "FAIL",
        "seq_reply": seq,
        "error": {
            "id": f"api.web_socket_router.{reason}.app_error",
            "message": reason.replace("_", " "),
            "detailed_error": "",
            "status_code": status,
        },
    }


def _millis() -> int:
    return int(time.time() * 1000)
