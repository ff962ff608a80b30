"""Reading a JSON request body safely: media type, size limit, strict UTF-8, JSON object."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from adapters.webchat.problems import WebchatProblem

MIN_BODY_BYTES = 16 * 1024
# JSON may spend up to 6 bytes on one character ("\u00e9"), a form has labels
# around its values; 8 bytes per allowed character leaves room for both.
_BYTES_PER_CHAR = 8


def body_limit_for(max_message_chars: int) -> int:
    """The largest body we read: 16 KiB, or more if the message limit needs it."""
    return max(MIN_BODY_BYTES, _BYTES_PER_CHAR * max_message_chars)


DEFAULT_BODY_TIMEOUT_SECONDS = 20.0


async def read_json_object(
    request: web.Request, limit: int, timeout: float = DEFAULT_BODY_TIMEOUT_SECONDS
) -> dict[str, Any]:
    """The body as a JSON object, or a :class:`WebchatProblem` (415, 413, 408, 400).

    ``timeout`` bounds the whole read: aiohttp itself waits for a slow body as long as the
    client keeps the connection open.
    """
    _require_json_media_type(request)
    _require_no_content_encoding(request)
    try:
        async with asyncio.timeout(timeout):
            raw = await _read_limited(request, limit)
    except TimeoutError:
        raise WebchatProblem(408, "timeout") from None
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        # RecursionError: deeply nested arrays are valid JSON that Python refuses to build.
        raise WebchatProblem(400, "bad_json") from None
    if not isinstance(value, dict):
        raise WebchatProblem(400, "bad_shape")
    return value


def _require_json_media_type(request: web.Request) -> None:
    # A JSON media type also keeps plain cross-site HTML forms out: browsers cannot
    # send application/json to another origin without a CORS preflight, which we never allow.
    if request.content_type != "application/json":
        raise WebchatProblem(415, "unsupported_media_type")
    charset = request.charset
    if charset is not None and charset.lower() not in {"utf-8", "utf8"}:
        raise WebchatProblem(415, "unsupported_media_type")


def _require_no_content_encoding(request: web.Request) -> None:
    # The page never compresses; aiohttp would otherwise decompress gzip, deflate and br
    # itself and fail on a bad stream halfway through the read (RequestPayloadError).
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in {"", "identity"}:
        raise WebchatProblem(400, "unsupported_encoding")


async def _read_limited(request: web.Request, limit: int) -> bytes:
    """Read at most ``limit`` bytes; stop as soon as the body is known to be larger."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise WebchatProblem(413, "too_large")
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(limit + 1 - size):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise WebchatProblem(413, "too_large")
    return b"".join(chunks)
