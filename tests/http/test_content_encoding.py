"""A compressed or otherwise encoded body is refused with a 400 problem, never a 500.

The page never compresses what it sends, so anything but an unencoded body is refused
before it is read: real gzip, deflate and br bodies, bodies that only claim an encoding,
and encodings nobody knows. Served by the production runner, which also keeps aiohttp
from decoding bodies itself (br without the brotli package was a protocol-level error).
"""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from adapters.webchat import setup_webchat
from adapters.webchat.tokens import ConversationTokens
from tests.adapters.webchat.conftest import RecordingCore, messages_path
from tests.http.conftest import ServeApp

JSON = b'{"text": "hallo"}'
BODIES = {
    "gzip": gzip.compress(JSON),
    "deflate": zlib.compress(JSON),
    "br": b"\x8b\x07\x80" + JSON + b"\x03",
    "gzip, identity": gzip.compress(JSON),
    "garbage": JSON,
    "x-unknown-codec": JSON,
}
CLAIMED_ONLY = ["gzip", "deflate", "br"]


@pytest.fixture
def core() -> RecordingCore:
    return RecordingCore()


@pytest.fixture
def tokens() -> ConversationTokens:
    return ConversationTokens.for_this_process()


@pytest.fixture
async def url(serve_app: ServeApp, core: RecordingCore, tokens: ConversationTokens) -> str:
    app = web.Application()
    setup_webchat(app, core, max_message_chars=2000, tokens=tokens)
    return (await serve_app(app)).url


async def post(url: str, path: str, body: bytes, encoding: str) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", "Content-Encoding": encoding}
    # auto_decompress=False: the client must not try to decode our answer either.
    async with (
        aiohttp.ClientSession(auto_decompress=False) as http,
        http.post(url + path, data=body, headers=headers) as response,
    ):
        return response.status, await response.json()


@pytest.mark.parametrize("encoding", list(BODIES))
async def test_an_encoded_message_body_is_a_400_problem(
    url: str, core: RecordingCore, tokens: ConversationTokens, encoding: str
) -> None:
    path = messages_path(tokens.issue())
    status, problem = await post(url, path, BODIES[encoding], encoding)
    assert (status, problem["error"]["code"]) == (400, "unsupported_encoding")
    assert core.received == []  # nothing reached the core


@pytest.mark.parametrize("encoding", CLAIMED_ONLY)
async def test_a_body_that_only_claims_an_encoding_is_a_400_problem(
    url: str, encoding: str
) -> None:
    status, problem = await post(url, "/api/webchat/conversations", b"{not at all", encoding)
    assert (status, problem["error"]["code"]) == (400, "unsupported_encoding")


async def test_identity_is_no_encoding(url: str) -> None:
    status, _ = await post(url, "/api/webchat/conversations", b"{}", "identity")
    assert status == 201
