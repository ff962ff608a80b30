"""The happy paths: start, text, action and form turn into the right core events and JSON."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from adapters.webchat.tokens import is_well_formed
from bot.core import Channel, Kind
from tests.adapters.webchat.conftest import RecordingCore, messages_path, start

Client = TestClient[Any, web.Application]


async def test_start_issues_a_fresh_token_and_sends_start(
    client: Client, core: RecordingCore
) -> None:
    response = await client.post("/api/webchat/conversations", json={"locale": "en"})

    assert response.status == 201
    body = await response.json()
    assert is_well_formed(body["conversation"])
    assert body["limits"] == {"max_message_chars": 2000}
    [event] = core.received
    assert (event.channel, event.kind, event.locale) == (Channel.WEBCHAT, Kind.START, "en")
    assert event.conversation == body["conversation"]
    assert event.sender == ""


async def test_every_start_gets_its_own_token(client: Client) -> None:
    tokens = {await start(client) for _ in range(5)}
    assert len(tokens) == 5


async def test_start_accepts_null_missing_and_regional_locale(
    client: Client, core: RecordingCore
) -> None:
    for body in ({"locale": None}, {}, {"locale": "en-GB"}):
        response = await client.post("/api/webchat/conversations", json=body)
        assert response.status == 201
    assert [e.locale for e in core.received] == [None, None, "en-GB"]


async def test_replies_are_rendered_with_every_field(client: Client) -> None:
    response = await client.post("/api/webchat/conversations", json={"locale": "nl"})
    first, with_form, receipt = (await response.json())["replies"]

    assert first == {
        "text": "**start**",
        "parts": [{"text": "**start**", "theirs": False}],
        "lang": "nl",
        "buttons": [{"label": "Opties", "action": "topic:options"}],
        "form": None,
        "sensitive": False,
        "supersedes": True,
        "conceal_input": False,
    }
    form = with_form["form"]
    assert (form["id"], form["title"], form["submit_label"]) == (
        "signal:report",
        "Signaal",
        "Versturen",
    )
    assert form["fields"][0] == {
        "name": "what",
        "label": "Wat is er gebeurd?",
        "kind": "textarea",
        "required": True,
        "max_length": 500,
        "hint": "",
        "choices": [],
        "value": "",
    }
    assert form["fields"][1]["choices"] == [
        {"value": "external", "label": "Extern"},
        {"value": "woman", "label": "Een vrouw"},
    ]
    assert receipt["sensitive"] is True
    assert receipt["lang"] == "en"


async def test_text_becomes_a_text_event(client: Client, core: RecordingCore) -> None:
    token = await start(client)
    response = await client.post(messages_path(token), json={"text": "Mijn leidinggevende…"})

    assert response.status == 200
    assert len((await response.json())["replies"]) == 3
    event = core.received[-1]
    assert (event.kind, event.text, event.conversation, event.sender) == (
        Kind.TEXT,
        "Mijn leidinggevende…",
        token,
        "",
    )


async def test_empty_and_long_text_are_left_to_the_core(
    client: Client, core: RecordingCore
) -> None:
    # The core answers empty or over-long text with a clear reply of its own.
    token = await start(client)
    for text in ("", "x" * 2001):
        response = await client.post(messages_path(token), json={"text": text})
        assert response.status == 200
    assert [e.text for e in core.received[-2:]] == ["", "x" * 2001]


async def test_action_becomes_an_action_event(client: Client, core: RecordingCore) -> None:
    token = await start(client)
    response = await client.post(messages_path(token), json={"action": "topic:options"})

    assert response.status == 200
    assert (core.received[-1].kind, core.received[-1].action) == (Kind.ACTION, "topic:options")


async def test_form_joins_multi_choice_values_with_commas(
    client: Client, core: RecordingCore
) -> None:
    token = await start(client)
    data = {"what": "Een opmerking over mijn afkomst.", "who": ["external", "woman"], "none": []}
    response = await client.post(messages_path(token), json={"form": "signal:report", "data": data})

    assert response.status == 200
    event = core.received[-1]
    assert (event.kind, event.form) == (Kind.FORM, "signal:report")
    assert dict(event.data) == {
        "what": "Een opmerking over mijn afkomst.",
        "who": "external,woman",
        "none": "",
    }


async def test_json_with_charset_is_accepted(client: Client) -> None:
    token = await start(client)
    response = await client.post(
        messages_path(token),
        data='{"text": "héllo"}'.encode(),
        headers={"Content-Type": "application/json; charset=UTF-8"},
    )
    assert response.status == 200


async def test_health(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}
