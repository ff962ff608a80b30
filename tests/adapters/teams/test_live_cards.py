"""Prefilled forms and superseded cards, through ``POST /api/messages`` and the fake connector.

A reply that supersedes the earlier ones makes the bot update its own earlier cards (the
SDK's ``update_activity``: a PUT to the fake Bot Connector) so their buttons and inputs are
gone; an aside leaves them. The shapes relied on are in ``fixtures/update_activity.json``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.live_cards import LiveCards
from adapters.teams import TeamsEndpoints
from adapters.teams.cards import form_card
from adapters.teams.turn import LiveCard
from bot.core import Choice, FieldKind, Form, FormField
from tests.adapters.scripted_core import ScriptedCore

from .conftest import FIXTURES, load_activity, make_settings, start_app
from .fakes import Call, FakeConnector

Client = TestClient[web.Request, web.Application]
Json = dict[str, Any]

PREFILLED = Form(
    id="signal:intake:anonymous",
    title="Anonieme melding",
    fields=(
        FormField("what", "Wat?", FieldKind.TEXTAREA, value="Het gebeurde bij de koffie."),
        FormField(
            "where",
            "Waar?",
            FieldKind.CHOICE,
            choices=(Choice("team", "Team"), Choice("elsewhere", "Elders")),
            value="elsewhere",
        ),
        FormField(
            "kinds",
            "Soort",
            FieldKind.MULTI,
            choices=(Choice("racism", "Racisme"), Choice("exclusion", "Uitsluiting")),
            value="racism,gone,exclusion",
        ),
        FormField("passphrase", "Wachtwoord", FieldKind.PASSWORD, value="geheim-en-lang"),
    ),
    submit_label="Versturen",
)


@pytest.fixture
def scripted() -> ScriptedCore:
    return ScriptedCore(PREFILLED)


@pytest.fixture
def live() -> LiveCards[LiveCard]:
    return LiveCards(max_conversations=3)


@pytest.fixture
async def app(
    scripted: ScriptedCore,
    sessions: async_sessionmaker[AsyncSession],
    endpoints: TeamsEndpoints,
    live: LiveCards[LiveCard],
) -> AsyncIterator[Client]:
    settings = make_settings(teams_app_id="", teams_app_password="", teams_tenant_id="")
    client, _channel = await start_app(settings, scripted, sessions, endpoints, live_cards=live)
    yield client
    await client.close()


def activity(connector: FakeConnector, conversation: str = "a:one", **fields: Any) -> Json:
    message = load_activity("message.json", connector.url + "/")
    message["conversation"] = {"conversationType": "personal", "id": conversation}
    message.update(fields)
    return message


async def say(
    client: Client, connector: FakeConnector, text: str, conversation: str = "a:one"
) -> list[Call]:
    before = len(connector.calls)
    message = activity(connector, conversation, text=text)
    response = await client.post("/api/messages", json=message)
    assert response.status == 200, await response.text()
    return connector.calls[before:]


async def press(
    client: Client, connector: FakeConnector, action: str, reply_to: str, **fields: Any
) -> list[Call]:
    before = len(connector.calls)
    submit = load_activity("card_submit_action.json", connector.url + "/")
    submit["conversation"] = {"conversationType": "personal", "id": "a:one"}
    submit.update(value={"action": action}, replyToId=reply_to, **fields)
    response = await client.post("/api/messages", json=submit)
    assert response.status == 200, await response.text()
    return connector.calls[before:]


def posted(calls: list[Call]) -> list[Call]:
    return [call for call in calls if call.method == "POST"]


def updates(calls: list[Call]) -> list[Call]:
    return [call for call in calls if call.method == "PUT"]


def updated_ids(calls: list[Call]) -> list[str]:
    return [call.path.rsplit("/", 1)[1] for call in updates(calls)]


def card_of(body: Json) -> Json:
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    content: Json = attachment["content"]
    return content


def inputs(card: Json) -> dict[str, Json]:
    return {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}


# ---- prefilled values ------------------------------------------------------------------


def test_a_prefilled_form_shows_its_values_but_never_a_passphrase() -> None:
    fields = inputs(form_card("Vul in:", PREFILLED))
    assert fields["what"]["value"] == "Het gebeurde bij de koffie."
    assert fields["where"]["value"] == "elsewhere"
    assert fields["kinds"]["value"] == "racism,exclusion", "a choice no longer offered is dropped"
    assert "value" not in fields["passphrase"]
    assert "geheim" not in json.dumps(form_card("Vul in:", PREFILLED))


def test_an_empty_value_adds_nothing_to_the_card() -> None:
    plain = Form("f", "F", (FormField("what", "Wat?"), FormField("c", "C", FieldKind.CHOICE)), "Ok")
    assert all("value" not in element for element in inputs(form_card("", plain)).values())


async def test_the_prefilled_card_reaches_teams_with_its_values(
    app: Client, connector: FakeConnector
) -> None:
    [sent] = await say(app, connector, "form")
    fields = inputs(card_of(sent.body))
    assert fields["what"]["value"] == "Het gebeurde bij de koffie."
    assert fields["kinds"]["value"] == "racism,exclusion"
    assert "value" not in fields["passphrase"]


# ---- superseding -----------------------------------------------------------------------


async def test_a_new_answer_takes_the_buttons_off_the_previous_card(
    app: Client, connector: FakeConnector
) -> None:
    [first] = await say(app, connector, "hallo")
    calls = await say(app, connector, "verder")
    [reply] = posted(calls)
    [update] = updates(calls)
    assert calls.index(reply) < calls.index(update), "the new answer goes out first"
    assert update.path == f"/v3/conversations/a:one/activities/{first.reply_id}"
    card = card_of(update.body)
    assert update.body["type"] == "message" and update.body["id"] == first.reply_id
    assert "actions" not in card and not inputs(card)
    assert [e["text"] for e in card["body"]] == ["Menu na hallo"]


async def test_a_superseded_form_loses_its_inputs_and_the_text_it_was_prefilled_with(
    app: Client, connector: FakeConnector
) -> None:
    [form] = await say(app, connector, "form")
    calls = await say(app, connector, "plain")
    [update] = updates(calls)
    assert update.path.endswith(f"/{form.reply_id}")
    assert not inputs(card_of(update.body)) and "koffie" not in json.dumps(update.body)


async def test_an_aside_leaves_the_open_form_alone_and_the_next_answer_closes_both(
    app: Client, connector: FakeConnector
) -> None:
    [form] = await say(app, connector, "form")
    aside_calls = await say(app, connector, "aside")
    assert not updates(aside_calls)
    [aside] = posted(aside_calls)
    assert not updates(await say(app, connector, "quiet"))
    closing = await say(app, connector, "plain")
    assert sorted(updated_ids(closing)) == sorted([form.reply_id, aside.reply_id])


async def test_the_card_a_button_came_from_is_updated(
    app: Client, connector: FakeConnector
) -> None:
    [form] = await say(app, connector, "form")
    [aside] = posted(await say(app, connector, "aside"))
    assert aside.reply_id is not None
    calls = await press(app, connector, "back", reply_to=aside.reply_id)
    assert sorted(updated_ids(calls)) == sorted([form.reply_id, aside.reply_id])
    [menu] = posted(calls)
    assert updated_ids(await say(app, connector, "plain")) == [menu.reply_id], "once each"


async def test_a_press_of_an_old_card_with_an_aside_for_answer_changes_nothing(
    app: Client, connector: FakeConnector
) -> None:
    [menu] = await say(app, connector, "hallo")
    assert menu.reply_id is not None
    assert not updates(await press(app, connector, "quiet", reply_to=menu.reply_id))


async def test_within_one_turn_a_later_reply_supersedes_an_earlier_one(
    app: Client, connector: FakeConnector
) -> None:
    calls = await say(app, connector, "two")
    first, second = posted(calls)
    assert updated_ids(calls) == [first.reply_id]
    assert updated_ids(await say(app, connector, "plain")) == [second.reply_id]


async def test_a_receipts_hide_button_is_never_taken_away(
    app: Client, connector: FakeConnector
) -> None:
    await say(app, connector, "receipt")
    assert not updates(await say(app, connector, "plain"))


async def test_a_failed_update_is_logged_by_its_status_and_the_turn_goes_on(
    app: Client, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    [first] = await say(app, connector, "hallo")
    await say(app, connector, "plain")  # closes "hallo"
    await say(app, connector, "hallo")
    calls_before = len(connector.calls)
    connector.fail("update", 400, "BadSyntax")
    with caplog.at_level(logging.WARNING):
        response = await app.post("/api/messages", json=activity(connector, text="plain"))
    assert response.status == 200
    calls = connector.calls[calls_before:]
    assert len(posted(calls)) == 1 and len(updates(calls)) == 1
    lines = [r.getMessage() for r in caplog.records if "card not updated" in r.getMessage()]
    assert lines == ["teams card not updated: HTTP 400 BadSyntax"]
    assert first.reply_id is not None
    assert all(
        "a:one" not in r.getMessage() and "reply-" not in r.getMessage() for r in caplog.records
    )


# ---- what a stranger or a flood can do --------------------------------------------------


async def test_a_press_naming_another_conversations_card_updates_nothing_there(
    app: Client, connector: FakeConnector
) -> None:
    [theirs] = await say(app, connector, "hallo")
    assert theirs.reply_id is not None
    before = len(connector.calls)
    submit = load_activity("card_submit_action.json", connector.url + "/")
    submit["conversation"] = {"conversationType": "personal", "id": "a:stranger"}
    submit.update(value={"action": "plain"}, replyToId=theirs.reply_id)
    assert (await app.post("/api/messages", json=submit)).status == 200
    calls = connector.calls[before:]
    assert not updates(calls)
    assert all("/a:one/" not in call.path for call in calls)
    # The card stays live for its own conversation.
    assert updated_ids(await say(app, connector, "plain")) == [theirs.reply_id]


async def test_a_flood_of_conversations_evicts_the_oldest_and_stays_bounded(
    app: Client, connector: FakeConnector, live: LiveCards[LiveCard]
) -> None:
    for name in ("a:one", "a:two", "a:three", "a:four"):
        await say(app, connector, "hallo", conversation=name)
    assert len(live) == 3
    assert not updates(await say(app, connector, "plain")), "a:one was forgotten, left alone"
    assert len(updates(await say(app, connector, "plain", conversation="a:four"))) == 1


async def test_two_turns_at_once_leave_one_live_card_and_update_each_other_once(
    app: Client, connector: FakeConnector, live: LiveCards[LiveCard]
) -> None:
    [first] = await say(app, connector, "hallo")
    before = len(connector.calls)
    responses = await asyncio.gather(
        *(app.post("/api/messages", json=activity(connector, text=w)) for w in ("x", "y"))
    )
    assert [r.status for r in responses] == [200, 200]
    calls = connector.calls[before:]
    new_ids = [call.reply_id for call in posted(calls)]
    updated = updated_ids(calls)
    assert len(updated) == len(set(updated)) == 2
    assert first.reply_id in updated
    [still_live] = [card.message_id for card in live.live(live_key(connector))]
    assert set(updated) | {still_live} == {first.reply_id, *new_ids}


def live_key(connector: FakeConnector) -> str:
    return f"{connector.url}/\x1fa:one"


# ---- the recorded shapes ---------------------------------------------------------------


def test_the_update_we_send_has_the_documented_shape() -> None:
    recorded = json.loads((FIXTURES / "update_activity.json").read_text(encoding="utf-8"))
    assert recorded["_source"]
    request, response = recorded["request"], recorded["response"]
    assert request["method"] == "PUT"
    assert request["path"] == "/v3/conversations/{conversationId}/activities/{activityId}"
    assert set(request["body"]) >= {"type", "id", "attachments"}
    assert set(response) == {"id"}


def test_the_press_we_rely_on_names_the_card_in_reply_to_id() -> None:
    press_json = json.loads((FIXTURES / "card_submit_action.json").read_text(encoding="utf-8"))
    assert press_json["replyToId"] and isinstance(press_json["value"], dict)
