"""The page, its files, and the headers every response carries: no cookies, no caching."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from adapters.webchat import setup_webchat
from tests.adapters.webchat.conftest import RecordingCore, messages_path, start

Client = TestClient[Any, web.Application]

REQUIRED_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def assert_safe_headers(response: Any) -> None:
    for name, value in REQUIRED_HEADERS.items():
        assert response.headers.get(name) == value, name
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "Set-Cookie" not in response.headers


async def test_page_is_served_as_html(client: Client) -> None:
    response = await client.get("/")
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    assert 'role="log"' in page
    assert 'aria-live="polite"' in page
    assert '<label for="message"' in page
    assert "<script>" not in page  # the CSP forbids inline script; none may be needed


@pytest.mark.parametrize(
    ("name", "content_type"), [("chat.js", "text/javascript"), ("chat.css", "text/css")]
)
async def test_static_files(client: Client, name: str, content_type: str) -> None:
    response = await client.get(f"/static/{name}")
    assert response.status == 200
    assert response.content_type == content_type
    assert response.charset == "utf-8"


async def test_the_crisis_line_tells_staff_abroad_to_chat(client: Client) -> None:
    # 113's phone numbers work only from the Netherlands; its chat works from anywhere.
    script = await (await client.get("/static/chat.js")).text()
    lines = [line for line in script.splitlines() if line.strip().startswith("crisis:")]
    assert len(lines) == 2
    assert all(
        "113.nl" in line and ("Nederland" in line or "Netherlands" in line) for line in lines
    )


async def test_page_loads_nothing_from_elsewhere(client: Client) -> None:
    for path in ("/", "/static/chat.js", "/static/chat.css"):
        text = await (await client.get(path)).text()
        assert "//cdn" not in text and "@import" not in text and "fonts.g" not in text
        assert "localStorage" not in text and "document.cookie" not in text
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text


@pytest.mark.parametrize(
    "path",
    [
        "/static/../routes.py",
        "/static/%2e%2e/routes.py",
        "/static/..%2f__init__.py",
        "/static/%2e%2e%2f%2e%2e%2fbot%2fsettings.py",
        "/static/....//....//etc/passwd",
        "/static//etc/passwd",
        "/static/%00chat.js",
    ],
)
async def test_static_path_traversal_is_refused(client: Client, path: str) -> None:
    response = await client.get(path, allow_redirects=False)
    assert response.status == 404
    text = await response.text()
    assert "import" not in text and "root:" not in text
    assert_safe_headers(response)


async def test_every_kind_of_response_has_the_headers(client: Client) -> None:
    token = await start(client)
    responses = [
        await client.get("/"),
        await client.get("/static/chat.js"),
        await client.get("/healthz"),
        await client.post("/api/webchat/conversations", json={}),
        await client.post(messages_path(token), json={"text": "a"}),
        await client.post(
            messages_path(token), data=b"{", headers={"Content-Type": "application/json"}
        ),
        await client.get("/missing"),
        await client.get("/api/webchat/conversations"),
    ]
    for response in responses:
        assert_safe_headers(response)
        assert response.status < 500


async def test_no_cookie_is_ever_set(client: Client) -> None:
    token = await start(client)
    await client.get("/")
    await client.post(messages_path(token), json={"action": "topic:options"})
    assert len(client.session.cookie_jar) == 0


async def test_a_cookie_set_by_something_else_on_our_routes_is_dropped(aiohttp_client: Any) -> None:
    @web.middleware
    async def tracking(request: web.Request, handler: Any) -> web.StreamResponse:
        response: web.StreamResponse = await handler(request)
        response.set_cookie("tracker", "1")
        return response

    app = web.Application(middlewares=[tracking])
    setup_webchat(app, RecordingCore(), max_message_chars=2000)
    response = await (await aiohttp_client(app)).get("/")
    assert "Set-Cookie" not in response.headers
