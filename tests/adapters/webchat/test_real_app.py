"""The web chat API around the real core, built by ``create_app``: real replies, no mocks."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.adapters.webchat.conftest import messages_path

Client = TestClient[Any, web.Application]


async def start(real_client: Client, locale: str | None) -> tuple[str, list[dict[str, Any]]]:
    response = await real_client.post("/api/webchat/conversations", json={"locale": locale})
    assert response.status == 201
    body = await response.json()
    return body["conversation"], body["replies"]


async def say(real_client: Client, token: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = await real_client.post(messages_path(token), json=body)
    assert response.status == 200
    replies: list[dict[str, Any]] = (await response.json())["replies"]
    assert replies
    return replies


async def test_a_conversation_with_the_real_bot(real_client: Client) -> None:
    token, greeting = await start(real_client, "nl")
    assert greeting[0]["lang"] == "nl"
    actions = [b["action"] for reply in greeting for b in reply["buttons"]]
    assert actions  # the welcome always offers a menu

    answer = await say(real_client, token, {"text": "Wat kan ik doen bij discriminatie?"})
    assert all(reply["lang"] == "nl" for reply in answer)

    pressed = await say(real_client, token, {"action": actions[0]})
    assert pressed[-1]["text"]

    switched = await say(real_client, token, {"action": "lang:en"})
    assert switched[-1]["lang"] == "en"


async def test_the_browser_locale_picks_the_language(real_client: Client) -> None:
    _, greeting = await start(real_client, "en-GB")
    assert greeting[0]["lang"] == "en"


async def test_bad_text_is_answered_by_the_core_not_refused(real_client: Client) -> None:
    token, _ = await start(real_client, "nl")
    for text in ("", "x" * 5000, "a\x00b"):
        replies = await say(real_client, token, {"text": text})
        assert replies[0]["text"]


async def test_an_unknown_action_gets_a_reply_not_an_error(real_client: Client) -> None:
    token, _ = await start(real_client, "en")
    replies = await say(real_client, token, {"action": "no-such:button"})
    assert replies[0]["buttons"]


async def test_a_token_the_server_never_issued_is_not_found(real_client: Client) -> None:
    # The page forgets a token that gets a 404 and starts a new conversation.
    response = await real_client.post(messages_path("Z" * 40), json={"text": "hallo"})
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


async def test_no_cookies_and_health_on_the_real_app(real_client: Client) -> None:
    token, _ = await start(real_client, None)
    await say(real_client, token, {"text": "privacy"})
    assert len(real_client.session.cookie_jar) == 0
    health = await real_client.get("/healthz")
    assert health.status == 200
    assert (await health.json())["status"] == "ok"
