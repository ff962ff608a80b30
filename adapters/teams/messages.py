"""``POST /api/messages``: the HTTP boundary of the Teams channel.

We do what ``CloudAdapter.process`` does (``botbuilder/integration/aiohttp/cloud_adapter.py``)
in two explicit steps, authenticate then process, so that every authentication failure is a
401. The SDK lets many of them escape as other exceptions and aiohttp answers 500: an expired
token (PyJWT's ``ExpiredSignatureError``), an unknown signing key (``IndexError`` in
``_OpenIdMetadata._find``), a missing header with the parameterized configuration
(``AttributeError``), a missing Content-Type (``KeyError``). No response carries a stack trace.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from botbuilder.schema import Activity
from msrest.exceptions import DeserializationError  # type: ignore[attr-defined]

from adapters.teams.retry import ConnectorRejected
from adapters.teams.turn import TeamsTurn

log = logging.getLogger(__name__)

# A Teams activity is at most about 28 KB of message plus its envelope.
MAX_BODY_BYTES = 256 * 1024
READ_CHUNK = 64 * 1024


class RequestRefused(Exception):
    """The request is answered with ``status`` and a short fixed message."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class MessagesEndpoint:
    """Authenticates an activity with the SDK, runs the turn, answers the connector."""

    def __init__(self, adapter: Any, authentication: Any, turn: TeamsTurn, auth_required: bool):
        self._adapter = adapter
        self._authentication = authentication
        self._turn = turn
        self._auth_required = auth_required

    async def handle(self, request: web.Request) -> web.Response:
        try:
            return await self._handle(request)
        except RequestRefused as refused:
            log.info("teams request refused: %s %s", refused.status, refused.reason)
            return web.json_response({"error": refused.reason}, status=refused.status)

    async def _handle(self, request: web.Request) -> web.Response:
        header = self._auth_header(request)
        payload = await self._payload(request)
        activity = _activity(payload)
        result = await self._authenticate(activity, header)
        invoke_response = await self._process(result, activity, payload)
        if invoke_response is not None:
            return web.json_response(invoke_response.body, status=invoke_response.status)
        return web.Response(status=200)

    def _auth_header(self, request: web.Request) -> str | None:
        if not self._auth_required:
            # With authentication off the SDK only accepts "no header"; a stray token from a
            # local emulator would otherwise be validated against an empty app id.
            return None
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or not header[7:].strip():
            raise RequestRefused(401, "unauthorized")
        return header

    async def _payload(self, request: web.Request) -> dict[str, Any]:
        if request.content_type != "application/json":
            # With auth on, nothing about the request is trusted yet: just 401.
            raise RequestRefused(401 if self._auth_required else 415, "expected application/json")
        body = await _read_limited(request)
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            raise RequestRefused(400, "malformed JSON") from None
        if not isinstance(payload, dict):
            raise RequestRefused(400, "expected an activity object")
        return payload

    async def _authenticate(self, activity: Any, header: str | None) -> Any:
        try:
            return await self._authentication.authenticate_request(activity, header)
        except Exception as exc:  # see the module docstring: the SDK raises many types
            log.info("teams authentication failed: %s", type(exc).__name__)
            raise RequestRefused(401, "unauthorized") from None

    async def _process(self, result: Any, activity: Any, payload: dict[str, Any]) -> Any:
        async def logic(context: Any) -> None:
            await self._turn.run(context, payload)

        try:
            return await self._adapter.process_activity(result, activity, logic)
        except ConnectorRejected:
            raise RequestRefused(502, "reply not delivered") from None
        except Exception as exc:  # never a stack trace in a response
            log.error("teams turn crashed: %s", type(exc).__name__)
            raise RequestRefused(500, "internal error") from None


async def _read_limited(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise RequestRefused(413, "request body too large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(READ_CHUNK):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise RequestRefused(413, "request body too large")
        chunks.append(chunk)
    return b"".join(chunks)


def _activity(payload: dict[str, Any]) -> Any:
    try:
        activity = Activity.deserialize(payload)
    except (DeserializationError, ValueError, TypeError, AttributeError):
        raise RequestRefused(400, "not an activity") from None
    if not activity.type:
        raise RequestRefused(400, "not an activity")
    return activity
