"""Read and parse the body of ``POST /api/messages`` within fixed bounds, after authentication.

Every refusal is a :class:`RequestRefused` with a short fixed reason: a body too large (413),
a content coding or type the Bot Connector never sends (415), or JSON that is malformed, not
an object, nested deeper than any activity, or not Unicode (400). Nothing here raises anything
else.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

# A Teams activity is at most about 28 KB of message plus its envelope.
MAX_BODY_BYTES = 256 * 1024
READ_CHUNK = 64 * 1024
# The deepest activities we know (an Adaptive Card inside an attachment) nest about 15
# levels; msrest's deserialiser and our own conversion recurse once per level.
MAX_JSON_DEPTH = 64


class RequestRefused(Exception):
    """The request is answered with ``status`` and a short fixed message."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def check_framing(request: web.Request) -> None:
    """What can be refused from the headers alone, before a byte of the body is read."""
    # The Bot Connector sends plain JSON; aiohttp would otherwise inflate a compressed body
    # for us, and a broken one surfaces as an error while reading.
    if request.headers.get("Content-Encoding", "identity").strip().lower() != "identity":
        raise RequestRefused(415, "unsupported content encoding")
    if request.content_type != "application/json":
        raise RequestRefused(415, "expected application/json")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise RequestRefused(413, "request body too large")


async def read_activity_json(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object of at most :data:`MAX_BODY_BYTES` (see :func:`check_tree`)."""
    check_framing(request)
    body = await _read_limited(request)
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        # RecursionError: the C decoder's own guard against "[[[[..." (json/scanner.c).
        raise RequestRefused(400, "malformed JSON") from None
    if not isinstance(payload, dict):
        raise RequestRefused(400, "expected an activity object")
    check_tree(payload)
    return payload


def check_tree(payload: Any) -> None:
    """Refuse JSON nested deeper than :data:`MAX_JSON_DEPTH` or holding text that is not
    Unicode: ``json`` accepts an escaped lone surrogate ("\\ud800"), which no UTF-8 encoder
    downstream (the database, the reply) can write. Iterative, so any depth is safe."""
    pending: list[tuple[Any, int]] = [(payload, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if not _is_unicode(item):
                raise RequestRefused(400, "malformed JSON")
        elif isinstance(item, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise RequestRefused(400, "activity nested too deeply")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)


def _is_unicode(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def _read_limited(request: web.Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.content.iter_chunked(READ_CHUNK):
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise RequestRefused(413, "request body too large")
            chunks.append(chunk)
    except (HttpProcessingError, ConnectionError):
        # aiohttp's parser puts a mis-framed or truncated body (ContentLengthError,
        # TransferEncodingError: aiohttp/http_exceptions.py) into the stream as an error.
        raise RequestRefused(400, "unreadable body") from None
    return b"".join(chunks)
