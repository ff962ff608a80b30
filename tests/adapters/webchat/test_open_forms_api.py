"""Through the real web chat API on a real SQLite database: nothing written in a form is lost.

A crisis while the form is open, a form sent where the conversation no longer is, and text
typed beside an open form; and what someone trying to break it might send.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import text

from bot.app import SERVICES
from bot.router import MAX_FORM_VALUE_CHARS
from dialogs.messages import Messages
from tests.adapters.webchat.conftest import messages_path, start

Client = TestClient[Any, web.Application]
T = Messages.load()
SIGNAL = {"what": "Canary-Text-f1 mijn collega noemt mij een aap", "role": "target"}


async def say(client: Client, token: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = await client.post(messages_path(token), json=body)
    assert response.status == 200, await response.text()
    replies: list[dict[str, Any]] = (await response.json())["replies"]
    return replies


async def table(client: Client, name: str) -> list[tuple[object, ...]]:
    app: web.Application = client.server.app  # type: ignore[assignment]
    async with app[SERVICES].sessions() as db:
        return [tuple(row) for row in (await db.execute(text(f"SELECT * FROM {name}"))).all()]


async def open_form(client: Client) -> tuple[str, dict[str, Any]]:
    token = await start(client)
    await say(client, token, {"action": "topic:signal"})
    [form] = [r["form"] for r in await say(client, token, {"action": "signal:mode:anonymous"})]
    return token, form


def form_of(replies: list[dict[str, Any]]) -> dict[str, Any]:
    [form] = [reply["form"] for reply in replies if reply["form"]]
    return form  # type: ignore[no-any-return]


def filled(form: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in form["fields"] if f["value"]}


async def test_a_crisis_during_the_form_then_sending_it_stores_the_signal(
    real_client: Client,
) -> None:
    token, form = await open_form(real_client)
    assert form["id"] == "signal:intake:anonymous"

    crisis = await say(real_client, token, {"text": "ik wil niet meer leven"})
    assert "113" in crisis[0]["text"] and crisis[0]["supersedes"] is False

    replies = await say(real_client, token, {"form": form["id"], "data": SIGNAL})
    assert [r for r in replies if r["sensitive"]], "the receipt is shown"
    assert len(await table(real_client, "signals")) == 1


async def test_back_to_where_i_was_after_a_crisis_shows_the_same_form(real_client: Client) -> None:
    token, form = await open_form(real_client)
    await say(real_client, token, {"text": "ik wil niet meer leven"})
    assert form_of(await say(real_client, token, {"action": "crisis:resume"})) == form


async def test_a_stale_form_is_not_sent_and_comes_back_with_the_text(real_client: Client) -> None:
    token, form = await open_form(real_client)
    await say(real_client, token, {"action": "topic:options"})

    replies = await say(real_client, token, {"form": form["id"], "data": SIGNAL})
    assert replies[0]["text"] == T.text("nl", "input.not_sent")
    assert await table(real_client, "signals") == []
    again = form_of(replies)
    assert again["id"] == form["id"] and filled(again) == SIGNAL

    sent = await say(real_client, token, {"form": again["id"], "data": filled(again)})
    assert [r for r in sent if r["sensitive"]]
    assert len(await table(real_client, "signals")) == 1


async def test_a_form_from_another_conversation_is_offered_again_not_sent(
    real_client: Client,
) -> None:
    # A restarted chat (a new token) knows nothing of the old form: the id says its mode.
    token = await start(real_client)
    named = {**SIGNAL, "contact": "Canary-Name-f2", "kinds": ["racism", "gossip"]}
    replies = await say(real_client, token, {"form": "signal:intake:named", "data": named})
    assert await table(real_client, "signals") == []
    again = form_of(replies)
    assert again["id"] == "signal:intake:named"
    assert filled(again) == {**SIGNAL, "contact": "Canary-Name-f2", "kinds": "racism"}


async def test_text_beside_the_open_form_is_neither_matched_nor_stored(
    real_client: Client,
) -> None:
    token, _ = await open_form(real_client)
    before = await table(real_client, "conversations")

    replies = await say(real_client, token, {"text": "Canary-Text-f3 wat is discriminatie?"})

    assert [r["text"] for r in replies] == [T.text("nl", "input.use_form")]
    assert replies[0]["supersedes"] is False
    assert await table(real_client, "conversations") == before
    assert await table(real_client, "signals") == []


@pytest.mark.parametrize(
    "body",
    [
        {"form": "signal:intake:everyone", "data": SIGNAL},
        {"form": "adviser:unlock", "data": {"passphrase": "x"}},
        {"form": "signal:intake:anonymous", "data": {"what": "w" * (MAX_FORM_VALUE_CHARS + 1)}},
        {"form": "x" * 5000, "data": SIGNAL},
    ],
    ids=["forged mode", "another dialog's form", "huge stale", "huge id"],
)
async def test_a_forged_or_huge_form_is_refused_and_nothing_changes(
    real_client: Client, body: dict[str, Any]
) -> None:
    token, _ = await open_form(real_client)
    before = await table(real_client, "conversations")
    replies = await say(real_client, token, body)
    assert all(reply["form"] is None for reply in replies)
    assert replies[0]["supersedes"] is False, "the open form stays usable"
    assert await table(real_client, "conversations") == before
    assert await table(real_client, "signals") == []
