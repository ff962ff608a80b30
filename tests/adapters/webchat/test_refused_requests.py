"""Bad input from outside gets a clear JSON error, never reaches the core, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from adapters.webchat import setup_webchat
from tests.adapters.webchat.conftest import RecordingCore, messages_path, start

Client = TestClient[Any, web.Application]
JSON = {"Content-Type": "application/json"}


async def assert_problem(response: Any, status: int, code: str) -> None:
    assert response.status == status
    assert response.content_type == "application/json"
    body = await response.json()
    assert body["error"]["code"] == code
    dutch, english = body["error"]["message"].split(" / ")
    assert dutch and english


@pytest.mark.parametrize(
    "raw",
    [b"{", b"", b"not json", b'{"text": "a"', b"\xff\xfe{}", b"[" * 5000 + b"]" * 5000],
    ids=["unclosed", "empty", "words", "truncated", "not-utf8", "deeply-nested"],
)
async def test_malformed_json(client: Client, core: RecordingCore, raw: bytes) -> None:
    token = await start(client)
    response = await client.post(messages_path(token), data=raw, headers=JSON)
    await assert_problem(response, 400, "bad_json")
    assert len(core.received) == 1  # only the start


@pytest.mark.parametrize(
    "body",
    [
        [],
        "text",
        42,
        None,
        {},
        {"text": 5},
        {"text": None},
        {"text": ["a"]},
        {"action": {"a": 1}},
        {"text": "a", "action": "b"},
        {"text": "a", "extra": 1},
        {"form": "f", "data": "x=1"},
        {"form": "f", "data": ["a"]},
        {"form": "f"},
        {"form": 3, "data": {}},
        {"form": "f", "data": {"a": 1}},
        {"form": "f", "data": {"a": None}},
        {"form": "f", "data": {"a": ["x", 2]}},
        {"form": "f", "data": {"a": {"b": "c"}}},
        {"form": "f", "data": {str(i): "" for i in range(51)}},
        {"sender": "someone", "text": "a"},
    ],
)
async def test_wrong_message_shapes(client: Client, core: RecordingCore, body: Any) -> None:
    token = await start(client)
    raw = json.dumps(body).encode()  # json=None would send no body at all
    response = await client.post(messages_path(token), data=raw, headers=JSON)
    await assert_problem(response, 400, "bad_shape")
    assert len(core.received) == 1


@pytest.mark.parametrize(
    "body", [[], {"locale": 5}, {"locale": "nl; DROP"}, {"locale": "x" * 40}, {"lang": "nl"}]
)
async def test_wrong_start_shapes(client: Client, core: RecordingCore, body: Any) -> None:
    response = await client.post("/api/webchat/conversations", json=body)
    await assert_problem(response, 400, "bad_shape")
    assert core.received == []


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        None,
        "application/json; charset=latin-1",
    ],
)
async def test_wrong_content_type(
    client: Client, core: RecordingCore, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = await client.post(
        "/api/webchat/conversations", data=b'{"locale": "nl"}', headers=headers
    )
    await assert_problem(response, 415, "unsupported_media_type")
    assert core.received == []


async def test_oversized_body(client: Client, core: RecordingCore) -> None:
    token = await start(client)
    body = b'{"text": "' + b"a" * 17_000 + b'"}'
    response = await client.post(messages_path(token), data=body, headers=JSON)
    await assert_problem(response, 413, "too_large")
    assert len(core.received) == 1


async def test_oversized_body_without_length_is_cut_off(client: Client) -> None:
    async def chunks() -> Any:
        yield b'{"text": "'
        for _ in range(40):
            yield b"a" * 1024
        yield b'"}'

    response = await client.post("/api/webchat/conversations", data=chunks(), headers=JSON)
    await assert_problem(response, 413, "too_large")


async def test_aiohttps_own_size_limit_answers_in_our_shape(aiohttp_client: Any) -> None:
    app = web.Application(client_max_size=1024)

    async def upload(request: web.Request) -> web.Response:
        await request.read()  # aiohttp raises its own 413 here
        return web.Response()

    app.router.add_post("/api/webchat/upload", upload)
    setup_webchat(app, RecordingCore(), max_message_chars=2000)
    client = await aiohttp_client(app)
    response = await client.post("/api/webchat/upload", data=b"a" * 4096)
    await assert_problem(response, 413, "too_large")


@pytest.mark.parametrize(
    "token",
    ["short", "a" * 31, "a" * 33, "a" * 31 + "!", "a" * 31 + "%20", "../" + "a" * 29],
)
async def test_malformed_token_is_not_found(
    client: Client, core: RecordingCore, token: str
) -> None:
    response = await client.post(messages_path(token), json={"text": "hallo"})
    await assert_problem(response, 404, "not_found")
    assert core.received == []


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/nothing-here", 404, "not_found"),
        ("POST", "/api/webchat/unknown", 404, "not_found"),
        ("GET", "/api/webchat/conversations", 405, "method_not_allowed"),
        ("DELETE", "/api/webchat/conversations", 405, "method_not_allowed"),
        ("PUT", "/", 405, "method_not_allowed"),
        ("GET", "/static/", 404, "not_found"),
        ("GET", "/static/missing.js", 404, "not_found"),
    ],
)
async def test_unknown_routes_and_methods(
    client: Client, method: str, path: str, status: int, code: str
) -> None:
    response = await client.request(method, path)
    await assert_problem(response, status, code)


async def test_method_not_allowed_says_what_is(client: Client) -> None:
    response = await client.get("/api/webchat/conversations")
    assert response.headers["Allow"] == "POST"


async def test_rate_limit_per_conversation(client: Client, core: RecordingCore) -> None:
    token, other = await start(client), await start(client)
    for _ in range(5):
        assert (await client.post(messages_path(token), json={"text": "a"})).status == 200
    response = await client.post(messages_path(token), json={"text": "a"})
    await assert_problem(response, 429, "rate_limited")
    assert response.headers["Retry-After"] == "60"
    assert (await client.post(messages_path(other), json={"text": "a"})).status == 200
