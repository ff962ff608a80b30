"""Reading what the Mattermost server POSTs to us, within fixed bounds, and refusing it.

Every refusal is a :class:`CallbackRejected` with a status and a fixed code; it is answered
as ``{"error": {"code": ..., "message": ...}}`` and never echoes what was sent.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

# An action payload is a few hundred bytes plus our signed context (bounded by the signer),
# a dialog submission at most a few text areas of 3000 characters; 64 KiB holds both.
MAX_BODY_BYTES = 64 * 1024
# The server gives up on us after OutgoingIntegrationRequestsTimeout (30 s by default,
# server/channels/app/integration_action.go); a body still arriving after 10 s is not it.
BODY_TIMEOUT_SECONDS = 10.0

MESSAGES = {
    "bad_json": "The request is not valid JSON.",
    "bad_shape": "The request does not have the expected shape.",
    "bad_form": "The request is not a valid form.",
    "forged": "The request is not signed by this bot.",
    "unauthorized": "The command token is missing or wrong.",
    "too_large": "The request is too large.",
    "timeout": "The request arrived too slowly.",
    "unsupported_media_type": "Unsupported content type or encoding.",
}


class CallbackRejected(Exception):
    """A request refused before anything changed; ``code`` picks a fixed message."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


def problem_response(status: int, code: str) -> web.Response:
    body = {"error": {"code": code, "message": MESSAGES.get(code, "Refused.")}}
    response = web.json_response(body, status=status)
    if status == 408:
        response.force_close()  # the rest of a slow body may still be on its way
    return response


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object (``Content-Type: application/json``), or a refusal."""
    if request.content_type != "application/json":
        raise CallbackRejected(415, "unsupported_media_type")
    raw = await read_limited(request)
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise CallbackRejected(400, "bad_json") from None
    if not isinstance(value, dict):
        raise CallbackRejected(400, "bad_shape")
    return value


async def read_form(request: web.Request) -> dict[str, str]:
    """A form-encoded body (what the server sends for a slash command), first values only."""
    if request.content_type != "application/x-www-form-urlencoded":
        raise CallbackRejected(415, "unsupported_media_type")
    raw = await read_limited(request)
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise CallbackRejected(400, "bad_form") from None
    return {key: values[0] for key, values in fields.items() if values}


async def read_limited(request: web.Request) -> bytes:
    """At most :data:`MAX_BODY_BYTES`, read within :data:`BODY_TIMEOUT_SECONDS`."""
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in {"", "identity"}:
        raise CallbackRejected(415, "unsupported_media_type")
    declared = request.content_length
    if declared is not None and declared > MAX_BODY_BYTES:
        raise CallbackRejected(413, "too_large")
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(BODY_TIMEOUT_SECONDS):
            while chunk := await request.content.read(MAX_BODY_BYTES + 1 - size):
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise CallbackRejected(413, "too_large")
    except TimeoutError:
        raise CallbackRejected(408, "timeout") from None
    except (HttpProcessingError, ConnectionError):
        raise CallbackRejected(400, "bad_json") from None
    return b"".join(chunks)


def text_field(payload: dict[str, Any], name: str, *, limit: int = 128) -> str:
    """A required non-empty id of bounded length in printable ASCII, or a 400.

    The fields read this way are Mattermost ids (26 characters of ``[a-z0-9]``); JSON allows
    a lone surrogate (``"\\ud800"``) that no encoding can write, which would otherwise fail
    later, inside a comparison or a REST call, as an error instead of a refusal.
    """
    value = payload.get(name)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise CallbackRejected(400, "bad_shape")
    if not (value.isascii() and value.isprintable()):
        raise CallbackRejected(400, "bad_shape")
    return value
