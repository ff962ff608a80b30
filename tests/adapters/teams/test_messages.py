"""POST /api/messages end to end: recorded activities in, what the fake Bot Connector receives."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from adapters.teams import TeamsChannel
from bot.core import Channel, Kind

from .conftest import APP_ID, EchoHandler, load_activity
from .fakes import FakeConnector, SigningKey, channel_claims

Client = TestClient[web.Request, web.Application]


async def post(client: Client, activity: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.post("/api/messages", json=activity, headers=headers)


def token_for(key: SigningKey, activity: dict[str, Any]) -> str:
    return key.token(**channel_claims(APP_ID, activity["serviceUrl"]))


async def test_message_is_answered_in_the_conversation_it_came_from(
    open_app: Client, connector: FakeConnector, handler: EchoHandler
) -> None:
    activity = load_activity("message.json", connector.url + "/")
    response = await post(open_app, activity)
    assert response.status == 200
    [incoming] = handler.seen
    assert (incoming.channel, incoming.kind, incoming.text) == (
        Channel.TEAMS,
        Kind.TEXT,
        "Wat zijn mijn mogelijkheden?",
    )
    assert incoming.sender == activity["from"]["aadObjectId"]
    assert incoming.locale == "nl-NL"
    [call] = connector.sent()
    conversation = activity["conversation"]["id"]
    assert call.path == f"/v3/conversations/{conversation}/activities/{activity['id']}"
    card = call.body["attachments"][0]["content"]
    assert card["body"][0]["text"] == "echo Wat zijn mijn mogelijkheden?"
    assert [a["data"] for a in card["actions"]] == [{"action": "yes"}, {"action": "no"}]
    assert call.authorization is None  # auth off: the SDK sends no token


async def test_personal_install_gets_one_welcome(
    open_app: Client, connector: FakeConnector, handler: EchoHandler
) -> None:
    for name in ("installation_update.json", "conversation_update_install.json"):
        assert (await post(open_app, load_activity(name, connector.url + "/"))).status == 200
    assert [incoming.kind for incoming in handler.seen] == [Kind.START]
    [call] = connector.sent()
    assert "Welkom" in call.body["attachments"][0]["content"]["body"][0]["text"]


async def test_card_button_and_form_submit(
    open_app: Client, connector: FakeConnector, handler: EchoHandler
) -> None:
    await post(open_app, load_activity("card_submit_action.json", connector.url + "/"))
    await post(open_app, load_activity("card_submit_form.json", connector.url + "/"))
    action, form = handler.seen
    assert (action.kind, action.action) == (Kind.ACTION, "bystander")
    assert (form.kind, form.form) == (Kind.FORM, "signal")
    assert dict(form.data)["kinds"] == "racism,exclusion"
    assert "form" not in form.data
    assert [call.body["text"] for call in connector.sent()] == [
        "action bystander",
        "form signal: kinds=racism,exclusion, what=Opmerkingen over mijn afkomst tijdens het "
        "werkoverleg., where=team",
    ]


async def test_form_reply_is_one_card_with_one_submit(
    open_app: Client, connector: FakeConnector
) -> None:
    activity = load_activity("message.json", connector.url + "/")
    activity["text"] = "form"
    await post(open_app, activity)
    [call] = connector.sent()
    card = call.body["attachments"][0]["content"]
    assert [action["data"] for action in card["actions"]] == [{"form": "signal"}]
    inputs = {element["id"]: element for element in card["body"] if "id" in element}
    assert inputs["what"]["isMultiline"] is True
    assert inputs["passphrase"]["style"] == "password"
    assert inputs["kinds"]["isMultiSelect"] is True


async def test_handler_failure_becomes_an_apology_without_details(
    open_app: Client, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    activity = load_activity("message.json", connector.url + "/")
    activity["text"] = "boom"
    with caplog.at_level(logging.INFO):
        response = await post(open_app, activity)
    assert response.status == 200
    [call] = connector.sent()
    assert call.body["text"].startswith("Sorry, er ging iets mis")
    assert "boom" not in caplog.text and activity["conversation"]["id"] not in caplog.text


async def test_long_text_is_split_under_the_teams_limit(
    open_app: Client, connector: FakeConnector
) -> None:
    activity = load_activity("message.json", connector.url + "/")
    activity["text"] = "long"
    await post(open_app, activity)
    sent = connector.sent()
    assert len(sent) >= 3
    assert all(len(json.dumps(call.body).encode()) < 28 * 1024 for call in sent)
    assert " ".join(call.body["text"] for call in sent).split() == ["woord"] * 5000


async def test_mention_is_stripped(
    open_app: Client, connector: FakeConnector, handler: EchoHandler
) -> None:
    await post(open_app, load_activity("message_mention.json", connector.url + "/"))
    assert handler.seen[0].text == "I saw something happen"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b"{}", "application/json", 400),
        (b'{"type": "message"}', "text/plain", 415),
        (b'{"type": "message", "text": "' + b"x" * 300_000 + b'"}', "application/json", 413),
    ],
)
async def test_bad_requests_get_a_short_answer(
    open_app: Client, body: bytes, content_type: str, status: int
) -> None:
    response = await open_app.post(
        "/api/messages", data=body, headers={"Content-Type": content_type}
    )
    assert response.status == status
    text = await response.text()
    assert "Traceback" not in text and len(text) < 100


async def test_secured_turn_uses_one_cached_token_and_client(
    secured: tuple[Client, TeamsChannel], connector: FakeConnector, signing_key: SigningKey
) -> None:
    client, channel = secured
    for _ in range(3):
        activity = load_activity("message.json", connector.url + "/")
        assert (await post(client, activity, token_for(signing_key, activity))).status == 200
    assert len(connector.sent()) == 3
    assert {call.authorization for call in connector.sent()} == {"Bearer outgoing-1"}
    [token_request] = connector.token_requests
    assert token_request["grant_type"] == "client_credentials"
    assert token_request["client_id"] == APP_ID
    assert token_request["scope"] == "https://api.botframework.com/.default"
    assert len(channel.connectors) == 1


async def test_reply_is_retried_on_throttling(
    secured: tuple[Client, TeamsChannel], connector: FakeConnector, signing_key: SigningKey
) -> None:
    client, _channel = secured
    connector.fail("activity", 429, "Throttled", Retry_After="0")
    activity = load_activity("message.json", connector.url + "/")
    assert (await post(client, activity, token_for(signing_key, activity))).status == 200
    assert len(connector.sent()) == 2


async def test_undeliverable_reply_is_a_502_without_details(
    secured: tuple[Client, TeamsChannel], connector: FakeConnector, signing_key: SigningKey
) -> None:
    client, _channel = secured
    connector.fail("activity", 403, "BotDisabledByAdmin")
    activity = load_activity("message.json", connector.url + "/")
    response = await post(client, activity, token_for(signing_key, activity))
    assert response.status == 502
    assert len(connector.sent()) == 1


async def test_a_receipt_can_be_hidden_by_updating_the_bots_own_message(
    open_app: Client, connector: FakeConnector, handler: EchoHandler
) -> None:
    message = load_activity("message.json", connector.url + "/")
    message["text"] = "receipt"
    assert (await post(open_app, message)).status == 200
    [shown] = connector.sent()
    card = shown.body["attachments"][0]["content"]
    assert "ABCD-EFGH" in json.dumps(card)
    [hide] = [a["data"] for a in card["actions"]]
    submit = load_activity("card_submit_action.json", connector.url + "/")
    submit["value"] = hide
    assert (await post(open_app, submit)).status == 200
    update = connector.calls[-1]
    conversation = submit["conversation"]["id"]
    assert update.method == "PUT"
    assert update.path == f"/v3/conversations/{conversation}/activities/{submit['replyToId']}"
    assert "ABCD-EFGH" not in json.dumps(update.body)
    assert "verborgen" in update.body["text"]
    assert len(handler.seen) == 1, "hiding is the channel's own business, not the core's"
