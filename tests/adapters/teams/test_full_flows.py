"""Whole conversations through ``POST /api/messages`` of the real app, authentication ON.

Every activity is signed with the test signing key, served as the Bot Framework's OpenID
metadata on 127.0.0.1; every reply goes to the fake Bot Connector. Nothing below the HTTP
boundary is replaced: the real ``create_app`` with its core, SQLite file and seal.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.teams import TeamsEndpoints
from adapters.webchat import RouteAccessLogger
from bot.app import SERVICES, Services, create_app
from bot.settings import Settings
from dialogs.messages import Messages
from tests.conftest import TEST_KDF

from .conftest import APP_ID, TENANT_ID, load_activity
from .fakes import FakeConnector, SigningKey, channel_claims

Client = TestClient[web.Request, web.Application]
Json = dict[str, Any]

MESSAGES = Messages.load()
RECEIPT_SHAPE = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){4}-[0-9A-Z]")
_ids = itertools.count(1)


def t(lang: str, key: str, **values: str) -> str:
    return MESSAGES.text(lang, key, **values)


@pytest.fixture
def teams_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        teams_app_id=APP_ID,
        teams_app_password="s3cret",  # type: ignore[arg-type]
        teams_tenant_id=TENANT_ID,
        **TEST_KDF,  # type: ignore[arg-type]
    )


@pytest.fixture
async def app_client(teams_settings: Settings, endpoints: TeamsEndpoints) -> AsyncIterator[Client]:
    """The real app, served with the access log ``meldwijzer serve`` uses."""
    app = create_app(teams_settings, teams_endpoints=endpoints)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server(access_log_class=RouteAccessLogger)
    client: Client = TestClient(server)
    await client.start_server()
    yield client
    await client.close()


def services_of(client: Client) -> Services:
    app: web.Application = client.server.app  # type: ignore[assignment]
    return app[SERVICES]


# ---- one person in one Teams chat ------------------------------------------------------


@dataclass
class TeamsUser:
    """One person in one personal Teams chat with the bot; every request carries a valid JWT."""

    client: Client
    connector: FakeConnector
    key: SigningKey
    user_id: str
    aad_id: str
    conversation_id: str
    name: str = "Test Colleague"
    tenant_id: str = TENANT_ID
    bot_name: str = "Meldwijzer"
    locale: str = "nl-NL"

    def activity(self, fixture: str = "message.json", **fields: Any) -> Json:
        activity = load_activity(fixture, self.connector.url + "/")
        activity.pop("_source", None)
        activity["id"] = f"1{next(_ids):012d}"
        activity["from"] = {"id": self.user_id, "aadObjectId": self.aad_id, "name": self.name}
        activity["conversation"] = {
            "conversationType": "personal",
            "tenantId": self.tenant_id,
            "id": self.conversation_id,
        }
        activity["recipient"] = {"id": f"28:{APP_ID}", "name": self.bot_name}
        activity["channelData"] = {"tenant": {"id": self.tenant_id}}
        activity["locale"] = self.locale
        for entity in activity.get("entities", []):
            entity["locale"] = self.locale
        activity.update(fields)
        return activity

    def token(self, activity: Json) -> str:
        return self.key.token(**channel_claims(APP_ID, activity["serviceUrl"]))

    async def post(self, activity: Json, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token or self.token(activity)}"}
        return await self.client.post("/api/messages", json=activity, headers=headers)

    async def send(self, activity: Json) -> list[Json]:
        """Post one activity; the messages the bot sent for it (POSTs and PUTs), in order."""
        before = len(self.connector.calls)
        response = await self.post(activity)
        assert response.status == 200, await response.text()
        calls = self.connector.calls[before:]
        return [call.body for call in calls if "/activities" in call.path]

    async def install(self) -> list[Json]:
        added = {"membersAdded": [{"id": f"28:{APP_ID}"}]}
        activity = self.activity("conversation_update_install.json", **added)
        return await self.send(activity)

    async def say(self, text: str) -> list[Json]:
        return await self.send(self.activity(text=text))

    async def press(self, action: str, reply_to: str = "1:card-message") -> list[Json]:
        value = {"action": action}
        activity = self.activity("card_submit_action.json", value=value, replyToId=reply_to)
        return await self.send(activity)

    async def submit(self, form: str, **fields: str) -> list[Json]:
        """A form card's Action.Submit: its data ({"form": id}) merged with the input values."""
        activity = self.activity(
            "card_submit_form.json", value={"form": form, **fields}, replyToId="1:form-message"
        )
        return await self.send(activity)


def user(
    client: Client, connector: FakeConnector, key: SigningKey, tag: str, **extra: Any
) -> TeamsUser:
    return TeamsUser(
        client,
        connector,
        key,
        user_id=f"29:user-{tag}",
        aad_id=f"00000000-0000-4000-8000-{abs(hash(tag)) % 10**12:012d}",
        conversation_id=f"a:conversation-{tag}",
        **extra,
    )


# ---- reading what the bot sent --------------------------------------------------------


def cards(messages: list[Json]) -> list[Json]:
    return [
        attachment["content"]
        for message in messages
        for attachment in message.get("attachments") or []
        if attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    ]


def submit_data(card: Json) -> list[Json]:
    """Every Action.Submit payload of a card, card-level actions and action sets alike."""
    actions = list(card.get("actions", []))
    for element in card["body"]:
        actions.extend(element.get("actions", []) if element["type"] == "ActionSet" else [])
    return [action["data"] for action in actions if action["type"] == "Action.Submit"]


def actions(messages: list[Json]) -> list[str]:
    return [
        data["action"] for card in cards(messages) for data in submit_data(card) if "action" in data
    ]


def text_of(messages: list[Json]) -> str:
    """All the text a person sees: message texts and the cards' text blocks."""
    parts = [message["text"] for message in messages if message.get("text")]
    for card in cards(messages):
        parts += [e["text"] for e in card["body"] if e["type"] == "TextBlock"]
    return "\n".join(parts)


def inputs(card: Json) -> dict[str, Json]:
    return {
        element["id"]: element for element in card["body"] if element["type"].startswith("Input.")
    }


def the_form(messages: list[Json]) -> Json:
    forms = [card for card in cards(messages) if any("form" in d for d in submit_data(card))]
    assert len(forms) == 1, text_of(messages)
    return forms[0]


async def test_explore(
    app_client: Client, connector: FakeConnector, signing_key: SigningKey
) -> None:
    nl = user(app_client, connector, signing_key, "explore")
    en = user(app_client, connector, signing_key, "explore-en", locale="en-US")
    steps = [
        nl.press("options:route:confidential-adviser"),
        nl.press("bystander:seen:bullying"),
        nl.press("bystander:danger:no"),
        en.say("I saw a colleague being insulted, what can I do?"),
        en.press("topic:options"),
        en.press("topic:signal"),
        en.press("signal:mode:anonymous"),
    ]
    for step in steps:
        m = await step
        print("----", len(m))
        print(text_of(m)[:700])
        print(actions(m))
    print(m)
