"""The Teams channel around the real core built by ``create_app``: welcome, options, bystander.

Authentication is off here (development settings); test_auth.py covers the JWT checks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.teams import setup_teams
from bot.app import SERVICES, create_app
from bot.settings import Settings

from .conftest import load_activity
from .fakes import FakeConnector

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def real_teams(settings: Settings) -> AsyncIterator[Client]:
    app = create_app(settings)
    if not any(
        route.resource and route.resource.canonical == "/api/messages"
        for route in app.router.routes()
    ):
        services = app[SERVICES]
        setup_teams(app, services.conversations, settings, services.sessions)
    client: Client = TestClient(TestServer(app, host="127.0.0.1", port=0))
    await client.start_server()
    yield client
    await client.close()


def submit_data(card: dict[str, Any]) -> list[dict[str, str]]:
    """Every Action.Submit payload of a card, card-level actions and action sets alike."""
    actions = list(card.get("actions", []))
    for element in card["body"]:
        actions.extend(element.get("actions", []) if element["type"] == "ActionSet" else [])
    return [action["data"] for action in actions if action["type"] == "Action.Submit"]


async def turn(client: Client, connector: FakeConnector, activity: dict[str, Any]) -> list[Any]:
    before = len(connector.sent())
    response = await client.post("/api/messages", json=activity)
    assert response.status == 200
    return [call.body for call in connector.sent()[before:]]


async def test_welcome_options_and_bystander(real_teams: Client, connector: FakeConnector) -> None:
    url = connector.url + "/"
    [welcome] = await turn(
        real_teams, connector, load_activity("conversation_update_install.json", url)
    )
    card = welcome["attachments"][0]["content"]
    assert "Meldwijzer" in card["body"][0]["text"]
    assert {"action": "topic:options"} in submit_data(card)
    assert {"action": "topic:bystander"} in submit_data(card)

    press = load_activity("card_submit_action.json", url)
    press["value"] = {"action": "topic:options"}
    options = await turn(real_teams, connector, press)
    routes = [
        data["action"]
        for message in options
        for data in submit_data(message["attachments"][0]["content"])
        if "attachments" in message
    ]
    assert "options:route:confidential-adviser" in routes

    typed = load_activity("message.json", url)
    typed["text"] = "I saw a colleague being insulted, what can I do?"
    typed["locale"] = "en-US"
    bystander = await turn(real_teams, connector, typed)
    texts = " ".join(
        message.get("text") or message["attachments"][0]["content"]["body"][0]["text"]
        for message in bystander
    )
    assert "bystander" in texts.lower() or "help" in texts.lower()
    choices = [
        data["action"]
        for message in bystander
        if "attachments" in message
        for data in submit_data(message["attachments"][0]["content"])
    ]
    assert any(choice.startswith("bystander:") for choice in choices)
