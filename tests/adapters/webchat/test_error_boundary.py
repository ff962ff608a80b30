"""The one place that turns an unexpected error into a short apology and one log line."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from adapters.webchat import setup_webchat
from adapters.webchat.tokens import ConversationTokens
from bot.errors import InputError, RateLimited, StorageError
from tests.adapters.webchat.conftest import FailingCore, messages_path

SECRET_TEXT = "mijn collega Jansen zei iets racistisch"


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (lambda text: KeyError(text), 500, "internal"),
        (lambda text: RuntimeError(text), 500, "internal"),
        (lambda text: StorageError(text), 503, "unavailable"),
        (lambda text: RateLimited(text), 429, "rate_limited"),
        (lambda text: InputError(text), 400, "bad_request"),
    ],
    ids=["bug", "runtime", "storage", "rate-limited", "input"],
)
async def test_core_failures_become_a_generic_json_answer(
    aiohttp_client: Any, caplog: pytest.LogCaptureFixture, error: Any, status: int, code: str
) -> None:
    app = web.Application()
    tokens = ConversationTokens.for_this_process()
    setup_webchat(app, FailingCore(error), max_message_chars=2000, tokens=tokens)
    client = await aiohttp_client(app)
    token = tokens.issue()

    response = await client.post(messages_path(token), json={"text": SECRET_TEXT})

    assert response.status == status
    body = await response.json()
    assert body["error"]["code"] == code
    raw = await response.text()
    assert SECRET_TEXT not in raw and "Traceback" not in raw
    assert SECRET_TEXT not in caplog.text
    assert token not in caplog.text


async def test_a_bug_leaves_exactly_one_log_line_naming_its_type(
    aiohttp_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = web.Application()
    tokens = ConversationTokens.for_this_process()
    core = FailingCore(lambda text: ValueError(text))
    setup_webchat(app, core, max_message_chars=2000, tokens=tokens)
    client = await aiohttp_client(app)

    await client.post(messages_path(tokens.issue()), json={"text": SECRET_TEXT})

    lines = [r for r in caplog.records if r.name == "meldwijzer.webchat"]
    assert len(lines) == 1
    assert "ValueError" in lines[0].getMessage()
    assert lines[0].exc_info is None  # a traceback would carry the message


async def test_other_channels_keep_their_own_errors(aiohttp_client: Any) -> None:
    app = web.Application()

    async def teams(request: web.Request) -> web.Response:
        raise web.HTTPUnauthorized(text="teams says no")

    app.router.add_post("/api/messages", teams)
    setup_webchat(app, FailingCore(RuntimeError), max_message_chars=2000)
    client = await aiohttp_client(app)

    response = await client.post("/api/messages", json={})

    assert response.status == 401
    assert await response.text() == "teams says no"


async def test_a_core_that_registers_health_itself_keeps_it(aiohttp_client: Any) -> None:
    app = web.Application()

    async def own_health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "database": "ok"})

    app.router.add_get("/healthz", own_health)
    setup_webchat(app, FailingCore(RuntimeError), max_message_chars=2000)
    client = await aiohttp_client(app)

    assert (await (await client.get("/healthz")).json())["database"] == "ok"


async def test_start_failure_is_also_caught(aiohttp_client: Any) -> None:
    app = web.Application()
    setup_webchat(app, FailingCore(lambda text: RuntimeError("boom")), max_message_chars=2000)
    client = await aiohttp_client(app)
    response = await client.post("/api/webchat/conversations", json={"locale": "nl"})
    assert response.status == 500
    assert (await response.json())["error"]["code"] == "internal"
