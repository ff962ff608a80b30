"""Starting conversations draws from one bucket per process; turns in existing ones never do.

With no identity to count by, a flood of new conversations is bounded as a whole: past the
bucket the answer is a 503 ``busy`` with ``Retry-After``, which the page shows as a clear
"busy, try again in a minute" in Dutch and English.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from adapters.webchat import setup_webchat
from bot.app import create_app
from bot.settings import Settings
from bot.throttle import TokenBucket
from tests.adapters.webchat.conftest import AppClient, RecordingCore, messages_path

START = "/api/webchat/conversations"
BUSY_NL = "Het is nu erg druk bij Meldwijzer. Probeer het over een minuut opnieuw."
BUSY_EN = "Meldwijzer is very busy right now. Please try again in a minute."


@pytest.fixture
def clock() -> list[float]:
    return [0.0]


@pytest.fixture
async def bucket_client(
    aiohttp_client: AppClient, clock: list[float]
) -> TestClient[Any, web.Application]:
    app = web.Application()
    bucket = TokenBucket(rate_per_minute=6, burst=2, clock=lambda: clock[0])
    setup_webchat(app, RecordingCore(), max_message_chars=2000, new_conversations=bucket)
    return await aiohttp_client(app)


async def test_past_the_bucket_a_start_is_busy_with_retry_after(
    bucket_client: TestClient[Any, web.Application], clock: list[float]
) -> None:
    first = await bucket_client.post(START, json={})
    token = (await first.json())["conversation"]
    assert (await bucket_client.post(START, json={})).status == 201

    refused = await bucket_client.post(START, json={})
    assert refused.status == 503
    assert (await refused.json())["error"]["code"] == "busy"
    assert int(refused.headers["Retry-After"]) == 10  # 6 a minute: one every 10 s

    # The conversation already going on is not held up by the empty bucket.
    for _ in range(3):
        turn = await bucket_client.post(messages_path(token), json={"text": "hallo"})
        assert turn.status == 200

    clock[0] = 10.0
    assert (await bucket_client.post(START, json={})).status == 201


async def test_a_malformed_start_does_not_spend_the_bucket(
    bucket_client: TestClient[Any, web.Application],
) -> None:
    for _ in range(5):
        assert (await bucket_client.post(START, data=b"[")).status == 415
    assert (await bucket_client.post(START, json={})).status == 201


async def test_create_app_builds_the_bucket_from_the_settings(
    aiohttp_client: AppClient, settings: Settings
) -> None:
    tight = settings.model_copy(
        update={"new_conversations_per_minute": 1, "new_conversations_burst": 1}
    )
    client = await aiohttp_client(create_app(tight))
    started = await client.post(START, json={"locale": "nl"})
    token = (await started.json())["conversation"]
    refused = await client.post(START, json={"locale": "nl"})
    assert refused.status == 503
    assert (await refused.json())["error"]["code"] == "busy"
    assert (await client.post(messages_path(token), json={"text": "hallo"})).status == 200


@pytest.fixture
def app(settings: Settings) -> web.Application:
    """One new conversation a minute: the page's own start takes it."""
    tight = {"new_conversations_per_minute": 1, "new_conversations_burst": 1}
    return create_app(settings.model_copy(update=tight))


async def test_the_page_says_it_is_busy_in_both_languages(page: Any, base_url: str) -> None:
    await page.locator(".message.bot").first.wait_for()

    # Other tabs cannot start a conversation now. (Their 503 is a console error in
    # Chromium, so they are not the watched page.)
    for locale, busy in (("nl-NL", BUSY_NL), ("en-GB", BUSY_EN)):
        context = await page.context.browser.new_context(locale=locale)
        other = await context.new_page()
        await other.goto(base_url)
        await other.locator(".message.problem").first.wait_for()
        assert await other.locator(".message.problem p").first.inner_text() == busy
        await context.close()

    # The conversation this tab already has goes on.
    before = await page.locator(".message.bot").count()
    await page.fill("#message", "Wat kan ik doen bij discriminatie?")
    await page.press("#message", "Enter")
    await page.wait_for_function(
        "n => document.querySelectorAll('.message.bot').length > n", arg=before
    )
    assert await page.locator(".message.problem").count() == 0
