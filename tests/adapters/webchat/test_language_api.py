"""The conversation's language through the real web chat API: locale, requests, single words."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from knowledge.base import KnowledgeBase
from tests.adapters.webchat.test_real_app import say, start

Client = TestClient[Any, web.Application]


def langs(replies: list[dict[str, Any]]) -> set[str]:
    return {reply["lang"] for reply in replies}


@pytest.mark.parametrize(
    ("locale", "lang"),
    [
        ("nl-NL", "nl"),
        ("nl-BE", "nl"),
        ("en-US", "en"),
        ("de-DE", "nl"),
        ("fr", "nl"),
        (None, "nl"),
    ],
)
async def test_the_first_language_is_the_locale_only_when_dutch_or_english(
    real_client: Client, locale: str | None, lang: str
) -> None:
    token, greeting = await start(real_client, locale)
    assert langs(greeting) == {lang}
    assert langs(await say(real_client, token, {"text": "ok"})) == {lang}


async def test_sorry_keeps_a_dutch_conversation_dutch(real_client: Client) -> None:
    token, _ = await start(real_client, "nl")
    for text in ("sorry", "ok", "thanks", "ik had een meeting met mijn manager"):
        assert langs(await say(real_client, token, {"text": text})) == {"nl"}


async def test_asking_for_english_and_back_in_either_language(real_client: Client) -> None:
    token, _ = await start(real_client, "nl")
    await say(real_client, token, {"action": "lang:nl"})  # a choice made, then a request
    assert langs(await say(real_client, token, {"text": "can you speak English?"})) == {"en"}
    assert langs(await say(real_client, token, {"text": "sorry"})) == {"en"}
    assert langs(await say(real_client, token, {"text": "kun je Nederlands?"})) == {"nl"}
    assert langs(await say(real_client, token, {"text": "ok"})) == {"nl"}


async def test_a_whole_message_in_the_other_language_switches(real_client: Client) -> None:
    token, _ = await start(real_client, "nl")
    await say(real_client, token, {"action": "lang:nl"})
    replies = await say(real_client, token, {"text": "What does a confidential adviser do?"})
    assert replies[-1]["lang"] == "en"
    replies = await say(real_client, token, {"text": "Wat doet een vertrouwenspersoon precies?"})
    assert replies[-1]["lang"] == "nl"


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("nl", "hij wacht me op"),
        ("nl", "ik ben bang om naar huis te gaan"),
        ("en", "I'm scared to go home"),
        ("en", "he's waiting for me after work"),
    ],
)
async def test_danger_in_ones_own_situation_gets_the_crisis_answer(
    real_client: Client, knowledge: KnowledgeBase, locale: str, text: str
) -> None:
    token, _ = await start(real_client, locale)
    replies = await say(real_client, token, {"text": text})
    assert knowledge.topic("crisis", locale).intro in replies[0]["text"]


async def test_a_past_attack_with_a_question_gets_no_crisis_answer(
    real_client: Client, knowledge: KnowledgeBase
) -> None:
    token, _ = await start(real_client, "nl")
    text = "ik ben vorige week op straat aangevallen door een collega, kan ik aangifte doen?"
    replies = await say(real_client, token, {"text": text})
    assert all(knowledge.topic("crisis", "nl").intro not in r["text"] for r in replies)
