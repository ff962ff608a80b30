"""With an app id set, the token is checked before the body is read, parsed or deserialised.

A stranger without a valid Bot Connector token gets a 401 whatever the body, so no body of
theirs reaches the JSON parser or msrest; an authenticated caller's malformed body is a 400.
With authentication off (development only) the bot refuses to post to a strange serviceUrl.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from adapters.teams import TeamsChannel, TeamsEndpoints
from adapters.teams.destinations import service_url_allowed
from adapters.teams.request_body import MAX_JSON_DEPTH

from .conftest import APP_ID, EchoHandler, load_activity
from .fakes import FakeConnector, SigningKey, channel_claims

Client = TestClient[web.Request, web.Application]


def _nested(depth: int) -> bytes:
    return b'{"type": "message", "channelData": ' + b"[" * depth + b"]" * depth + b"}"


BODIES: dict[str, tuple[bytes, dict[str, str]]] = {
    "deeply nested array": (b"[" * 100_000, {}),
    "deeply nested inside an object": (_nested(100_000), {}),
    "unclosed object": (b"{", {}),
    "array": (b"[]", {}),
    "empty object": (b"{}", {}),
    "empty body": (b"", {}),
    "not UTF-8": (b'{"type": "message", "text": "\xff\xfe\xc3"}', {}),
    "lone surrogate": (b'{"type": "message", "text": "\\ud800"}', {}),
    "gzip header, plain body": (b'{"type": "message"}', {"Content-Encoding": "gzip"}),
    "gzip body": (gzip.compress(b'{"type": "message"}' * 1000), {"Content-Encoding": "gzip"}),
    "no content type": (b'{"type": "message"}', {"Content-Type": ""}),
}


def _forged(key: SigningKey, service_url: str) -> dict[str, str]:
    # Our key id, someone else's key: the signature cannot verify.
    token = SigningKey(key.kid).token(**channel_claims(APP_ID, service_url))
    return {"Authorization": f"Bearer {token}"}


def _valid(key: SigningKey, service_url: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key.token(**channel_claims(APP_ID, service_url))}"}


CALLERS = {
    "forged token": _forged,
    "no token": lambda key, url: {},
    "garbage token": lambda key, url: {"Authorization": "Bearer eyJ.eyJ.sig"},
}


async def _post(client: Client, body: bytes, headers: dict[str, str]) -> Any:
    merged = {"Content-Type": "application/json", **headers}
    if not merged["Content-Type"]:
        del merged["Content-Type"]
    # The client must not compress or re-encode what the test sends.
    return await client.post("/api/messages", data=body, headers=merged, compress=None)


@pytest.mark.parametrize("caller", sorted(CALLERS))
@pytest.mark.parametrize("body", sorted(BODIES))
async def test_unauthenticated_caller_gets_401_whatever_the_body(
    secured: tuple[Client, TeamsChannel],
    connector: FakeConnector,
    signing_key: SigningKey,
    handler: EchoHandler,
    body: str,
    caller: str,
) -> None:
    client, _ = secured
    data, headers = BODIES[body]
    auth = CALLERS[caller](signing_key, connector.url + "/")
    response = await _post(client, data, {**headers, **auth})
    assert response.status == 401
    assert len(await response.text()) < 100
    assert handler.seen == [] and connector.sent() == []


AUTHENTICATED_BAD_BODIES = {
    "deeply nested array": 400,
    "deeply nested inside an object": 400,
    "unclosed object": 400,
    "array": 400,
    "empty object": 400,
    "empty body": 400,
    "not UTF-8": 400,
    "lone surrogate": 400,
    "gzip header, plain body": 415,
    "gzip body": 415,
    "no content type": 415,
}


@pytest.mark.parametrize("body", sorted(AUTHENTICATED_BAD_BODIES))
async def test_authenticated_caller_with_a_bad_body_gets_a_4xx_never_500(
    secured: tuple[Client, TeamsChannel],
    connector: FakeConnector,
    signing_key: SigningKey,
    handler: EchoHandler,
    body: str,
) -> None:
    client, _ = secured
    data, headers = BODIES[body]
    response = await _post(client, data, {**headers, **_valid(signing_key, connector.url + "/")})
    assert response.status == AUTHENTICATED_BAD_BODIES[body]
    text = await response.text()
    assert "Traceback" not in text and len(text) < 100
    assert handler.seen == [] and connector.sent() == []


async def test_nesting_deeper_than_the_bound_is_refused_before_deserialising(
    secured: tuple[Client, TeamsChannel], connector: FakeConnector, signing_key: SigningKey
) -> None:
    client, _ = secured
    auth = _valid(signing_key, connector.url + "/")
    activity = load_activity("message.json", connector.url + "/")
    nested: Any = "leaf"
    for _ in range(MAX_JSON_DEPTH):
        nested = [nested]
    activity["channelData"] = {"deep": nested}
    response = await _post(client, json.dumps(activity).encode(), auth)
    assert response.status == 400
    assert connector.sent() == []


async def test_text_that_is_not_unicode_is_refused_not_crashed_on(
    secured: tuple[Client, TeamsChannel],
    connector: FakeConnector,
    signing_key: SigningKey,
    handler: EchoHandler,
) -> None:
    client, _ = secured
    activity = load_activity("message.json", connector.url + "/")
    # json.dumps writes the lone surrogate as the escape "\ud800", as a client might.
    activity["text"] = "echo \ud800"
    body = json.dumps(activity).encode()
    response = await _post(client, body, _valid(signing_key, connector.url + "/"))
    assert response.status == 400
    assert handler.seen == [] and connector.sent() == []


async def _raw_request(client: Client, head: bytes) -> bytes:
    """Send ``head`` (headers and no complete body) and read until the server closes."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        writer.write(head)
        await writer.drain()
        # A guard against a hang, not a speed limit: a server that waited for the body
        # would linger far longer than this before giving up.
        return await asyncio.wait_for(reader.read(), timeout=5)
    finally:
        writer.close()


def _head(headers: dict[str, str]) -> bytes:
    lines = ["POST /api/messages HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@pytest.mark.parametrize(
    "framing",
    [{"Content-Length": str(10**12)}, {"Transfer-Encoding": "chunked"}],
    ids=["huge content length", "endless chunked body"],
)
async def test_a_body_that_never_comes_is_answered_401_without_waiting_for_it(
    secured: tuple[Client, TeamsChannel],
    connector: FakeConnector,
    signing_key: SigningKey,
    framing: dict[str, str],
) -> None:
    client, _ = secured
    answer = await _raw_request(
        client, _head({**framing, **_forged(signing_key, connector.url + "/")})
    )
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 401")
    # The connection is closed rather than kept to drain a body nobody will read.
    assert b"connection: close" in rest.lower()


async def test_authenticated_huge_content_length_is_413(
    secured: tuple[Client, TeamsChannel], connector: FakeConnector, signing_key: SigningKey
) -> None:
    client, _ = secured
    head = _head({"Content-Length": str(10**12), **_valid(signing_key, connector.url + "/")})
    answer = await _raw_request(client, head)
    assert answer.startswith(b"HTTP/1.1 413")


@pytest.mark.parametrize(
    "service_url",
    ["https://attacker.example/", "http://10.0.0.8/", "file:///etc/passwd", "", None],
)
async def test_without_auth_a_strange_service_url_is_refused(
    open_app: Client,
    connector: FakeConnector,
    handler: EchoHandler,
    caplog: pytest.LogCaptureFixture,
    service_url: str | None,
) -> None:
    activity = load_activity("message.json", connector.url + "/")
    if service_url is None:
        del activity["serviceUrl"]
    else:
        activity["serviceUrl"] = service_url
    with caplog.at_level(logging.INFO, logger="adapters.teams"):
        response = await open_app.post("/api/messages", json=activity)
    assert response.status == 400
    assert handler.seen == [] and connector.sent() == []
    [record] = [r for r in caplog.records if r.name.startswith("adapters.teams")]
    assert "attacker" not in record.getMessage()


@pytest.mark.parametrize(
    ("service_url", "allowed"),
    [
        ("https://smba.trafficmanager.net/emea/", True),
        ("https://smba.trafficmanager.net/teams/", True),
        ("http://smba.trafficmanager.net/emea/", False),
        ("https://smba.trafficmanager.net.attacker.example/", False),
        ("https://attacker.example/?https://smba.trafficmanager.net/", False),
        ("http://127.0.0.1:3979/", True),
        ("http://localhost:3979/", True),
        ("http://[::1]:3979/", True),
        ("http://127.1.2.3/", True),
        ("https://smba.trafficmanager.net@attacker.example/", False),
        ("ftp://127.0.0.1/", False),
        ("not a url", False),
        ("", False),
    ],
)
def test_which_service_urls_development_mode_posts_to(service_url: str, allowed: bool) -> None:
    configured = TeamsEndpoints().default_service_url
    assert service_url_allowed(service_url, configured) is allowed
