"""Whole conversations through ``POST /api/messages`` of the real app, authentication ON.

Every activity is signed with the test signing key, served as the Bot Framework's OpenID
metadata on 127.0.0.1; every reply goes to the fake Bot Connector. Nothing below the HTTP
boundary is replaced: the real ``create_app`` with its core, SQLite file and seal.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text

from adapters.teams import TeamsEndpoints
from adapters.teams.connectors import HTTP_LOGGER
from adapters.webchat import RouteAccessLogger
from bot.app import SERVICES, Services, create_app
from bot.settings import Settings
from bot.signals.registry import NewAdviser
from bot.stats.categories import OUTCOMES
from dialogs.messages import Messages
from dialogs.outcomes import close_as_action
from tests.conftest import TEST_KDF
from tests.leaks import assert_absent, assert_nowhere, capture_every_log, files_under

from .conftest import APP_ID, TENANT_ID, load_activity
from .fakes import FakeConnector, SigningKey, channel_claims

Client = TestClient[web.Request, web.Application]
Json = dict[str, Any]

MESSAGES = Messages.load()
RECEIPT_SHAPE = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){4}-[0-9A-Z]")
_ids = itertools.count(1)
PASSPHRASE = "test-passphrase-7f3a-long-enough"


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
        """Post one activity; the new messages the bot sent for it, in order.

        Updates of its own earlier messages (PUTs: a hidden receipt, a superseded card) are
        in ``self.connector.calls``.
        """
        before = len(self.connector.calls)
        response = await self.post(activity)
        assert response.status == 200, await response.text()
        calls = self.connector.calls[before:]
        return [call.body for call in calls if "/activities" in call.path and call.method == "POST"]

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
        aad_id=str(uuid.uuid5(uuid.NAMESPACE_URL, tag)),
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


# ---- shared steps ----------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    code: str
    message_id: str  # the Teams message that shows it (what Teams puts in replyToId)
    messages: list[Json]


async def leave_signal(reporter: TeamsUser, what: str, **fields: str) -> Receipt:
    await reporter.press("topic:signal")
    await reporter.press("signal:mode:anonymous")
    intake = {"what": what, "role": "target", "kinds": "racism", **fields}
    before = len(reporter.connector.calls)
    messages = await reporter.submit("signal:intake", **intake)
    calls = reporter.connector.calls[before:]
    [shown] = [call for call in calls if "teams:hide-sensitive" in actions([call.body])]
    [code] = RECEIPT_SHAPE.findall(text_of([shown.body]))
    assert shown.reply_id is not None
    return Receipt(code, shown.reply_id, messages)


async def count(services: Services, table: str) -> int:
    async with services.sessions() as db:
        return int((await db.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def rows(services: Services, query: str) -> list[tuple[Any, ...]]:
    async with services.sessions() as db:
        return [tuple(row) for row in (await db.execute(text(query))).all()]


async def enrol_adviser(services: Services, teams_id: str) -> str:
    registry = services.signals.registry
    added = await registry.add(
        NewAdviser(name="Test Adviser Teams", languages=("nl", "en"), teams_id=teams_id)
    )
    await registry.enrol(added.id, PASSPHRASE)
    return added.id


# ---- 1. options and bystander ------------------------------------------------------------


async def test_options_and_bystander_in_dutch_and_english(
    app_client: Client, connector: FakeConnector, signing_key: SigningKey
) -> None:
    nl = user(app_client, connector, signing_key, "nl-options")
    welcome = await nl.install()
    assert t("nl", "menu.welcome") in text_of(welcome)
    assert "adviser:inbox" not in actions(welcome)
    assert {"topic:options", "topic:bystander", "topic:signal"} <= set(actions(welcome))

    options = await nl.say("Wat zijn mijn mogelijkheden?")
    assert t("nl", "options.overview_prompt") in text_of(options)
    assert "options:route:confidential-adviser" in actions(options)
    route = await nl.press("options:route:confidential-adviser")
    assert "**De vertrouwenspersoon**" in text_of(route)

    seen = await nl.press("topic:bystander")
    assert t("nl", "bystander.seen_prompt") in text_of(seen)
    danger = await nl.press("bystander:seen:bullying")
    assert t("nl", "bystander.danger_prompt") in text_of(danger)
    assert actions(danger) == ["bystander:danger:yes", "bystander:danger:no"]
    ways = await nl.press("bystander:danger:no")
    assert t("nl", "bystander.ds_prompt") in text_of(ways)
    assert "bystander:d:direct" in actions(ways)

    en = user(app_client, connector, signing_key, "en-bystander", locale="en-US")
    seen = await en.say("I saw a colleague being insulted, what can I do?")
    assert t("en", "bystander.seen_prompt") in text_of(seen)
    danger = await en.press("bystander:seen:discrimination")
    assert t("en", "bystander.danger_prompt") in text_of(danger)
    ways = await en.press("bystander:danger:no")
    assert t("en", "bystander.ds_prompt") in text_of(ways)
    options = await en.press("topic:options")
    assert t("en", "options.overview_prompt") in text_of(options)
    assert t("nl", "options.overview_prompt") not in text_of(options)

    # Every reply went back into the chat it came from, as the bot (one outgoing token).
    conversations = {"a:conversation-nl-options", "a:conversation-en-bystander"}
    assert {call.path.split("/")[3] for call in connector.calls if "/v3/" in call.path} == (
        conversations
    )
    assert {call.authorization for call in connector.calls} == {"Bearer outgoing-1"}
    assert len(connector.token_requests) == 1


# ---- 2. an anonymous signal with the intake card ---------------------------------------


async def test_anonymous_signal_with_the_intake_card_and_hiding_the_receipt(
    app_client: Client,
    connector: FakeConnector,
    signing_key: SigningKey,
    teams_settings: Settings,
) -> None:
    services = services_of(app_client)
    reporter = user(app_client, connector, signing_key, "signal", locale="en-US")

    intro = await reporter.press("topic:signal")
    shown = text_of(intro)
    assert t("en", "privacy.here_platform", platform="Microsoft Teams") in shown
    assert t("en", "signal.use_webchat", url=teams_settings.webchat_url) in shown
    assert {"signal:mode:anonymous", "signal:mode:named"} <= set(actions(intro))

    offered = await reporter.press("signal:mode:anonymous")
    assert len(offered) == 1, "the whole intake is one card"
    card = the_form(offered)
    assert submit_data(card) == [{"form": "signal:intake:anonymous"}]
    title = t("en", "signal.form_title_anonymous")
    assert [e["text"] for e in card["body"] if e["type"] == "TextBlock"] == [title]
    fields = inputs(card)
    assert fields["what"]["type"] == "Input.Text"
    assert fields["what"]["isMultiline"] is True
    assert fields["what"]["isRequired"] is True and fields["what"]["maxLength"] == 4000
    assert fields["role"]["type"] == "Input.ChoiceSet"
    assert fields["role"]["isMultiSelect"] is False and fields["role"]["isRequired"] is True
    assert [c["value"] for c in fields["role"]["choices"]] == ["target", "witness", "both"]
    assert fields["kinds"]["type"] == "Input.ChoiceSet" and fields["kinds"]["isMultiSelect"]
    assert "racism" in [c["value"] for c in fields["kinds"]["choices"]]
    assert fields["hope"]["type"] == "Input.Text" and fields["hope"]["isMultiline"] is True
    assert "style" not in fields["what"], "nothing here is a password field"

    before = len(connector.calls)
    # As Teams sends it: the submit's data merged with every input, multi-select comma-joined.
    sent = await reporter.submit(
        "signal:intake",
        what="Remarks about my background in the team meeting, again.",
        role="target",
        kinds="racism,bullying",
        when="",
        hope="",
    )
    assert await count(services, "signals") == 1
    receipt_calls = connector.calls[before:]
    hideable = [c for c in receipt_calls if "teams:hide-sensitive" in actions([c.body])]
    assert len(hideable) == 1
    receipt_call = hideable[0]
    [code] = RECEIPT_SHAPE.findall(text_of([receipt_call.body]))
    assert t("en", "signal.receipt", receipt=code) in text_of([receipt_call.body])
    assert actions([receipt_call.body]) == ["teams:hide-sensitive"]
    assert t("en", "signal.receipt_platform", platform="Microsoft Teams") in text_of(sent)
    assert sum(code in json.dumps(body) for body in sent) == 1, "the code is shown once"

    assert receipt_call.reply_id is not None
    hidden = await reporter.press("teams:hide-sensitive", reply_to=receipt_call.reply_id)
    [put] = connector.calls[-1:]
    assert hidden == [] and put.method == "PUT"
    assert (
        put.path
        == f"/v3/conversations/{reporter.conversation_id}/activities/{receipt_call.reply_id}"
    )
    assert put.body["text"] == "The code is hidden here. Teams may still keep a copy of its own."
    assert put.body["id"] == receipt_call.reply_id
    assert code not in json.dumps(put.body) and code.replace("-", "") not in json.dumps(put.body)
    assert "attachments" not in put.body
    assert await count(services, "signals") == 1, "hiding touches only the Teams message"


# ---- 3. follow-up with the receipt -----------------------------------------------------


async def test_follow_up_in_teams_reads_and_adds(
    app_client: Client, connector: FakeConnector, signing_key: SigningKey
) -> None:
    services = services_of(app_client)
    reporter = user(app_client, connector, signing_key, "follow-up")
    receipt = await leave_signal(reporter, "Een opmerking over mijn afkomst bij de koffie.")

    start = await reporter.press("topic:follow-up")
    card = the_form(start)
    assert submit_data(card) == [{"form": "follow-up:read"}, {"action": "menu:show"}]
    assert inputs(card)["code"]["type"] == "Input.Text"

    read = await reporter.submit("follow-up:read", code=receipt.code.lower())
    shown = text_of(read)
    assert t("nl", "follow_up.status_open") in shown
    assert t("nl", "follow_up.no_answer_yet") in shown
    assert {"follow-up:add", "follow-up:delete"} <= set(actions(read))

    add = await reporter.press("follow-up:add")
    card = the_form(add)
    assert submit_data(card) == [{"form": "follow-up:add"}]
    assert inputs(card)["text"]["isMultiline"] is True
    added = await reporter.submit(
        "follow-up:add", code=receipt.code, text="Het gebeurde vandaag opnieuw."
    )
    assert t("nl", "follow_up.added") in text_of(added)

    again = await reporter.submit("follow-up:read", code=receipt.code)
    assert "Het gebeurde vandaag opnieuw." in text_of(again)
    wrong = await reporter.submit("follow-up:read", code="0000-0000-0000-0000-0000-0")
    assert t("nl", "follow_up.not_found") in text_of(wrong)
    assert await count(services, "signal_messages") >= 1


# ---- 4. the adviser's desk in Teams ----------------------------------------------------


async def test_adviser_desk_in_teams_and_the_reporter_reads_the_reply_elsewhere(
    app_client: Client, connector: FakeConnector, signing_key: SigningKey
) -> None:
    services = services_of(app_client)
    adviser = user(app_client, connector, signing_key, "adviser", locale="en-US")
    await enrol_adviser(services, adviser.aad_id)
    reporter = user(app_client, connector, signing_key, "reporter", locale="en-US")
    receipt = await leave_signal(reporter, "Jokes about my headscarf at the team outing.")
    [signal_id] = [row[0] for row in await rows(services, "SELECT id FROM signals")]

    menu = await adviser.install()
    assert actions(menu)[0] == "adviser:inbox"
    assert "adviser:inbox" not in actions(await reporter.say("menu"))

    locked = await adviser.press("adviser:inbox")
    card = the_form(locked)
    assert submit_data(card) == [{"form": "adviser:unlock"}]
    assert inputs(card)["passphrase"]["type"] == "Input.Text"
    assert inputs(card)["passphrase"]["style"] == "password"

    wrong = await adviser.submit("adviser:unlock", passphrase="not-the-passphrase")
    assert t("en", "adviser.wrong_passphrase") in text_of(wrong)
    inbox = await adviser.submit("adviser:unlock", passphrase=PASSPHRASE)
    assert t("en", "adviser.unlocked", minutes="30") in text_of(inbox)
    assert f"adviser:open:{signal_id}" in actions(inbox)
    assert signal_id[:8] in text_of(inbox)

    opened = await adviser.press(f"adviser:open:{signal_id}")
    assert "Jokes about my headscarf at the team outing." in text_of(opened)
    assert f"adviser:reply:{signal_id}" in actions(opened)

    asked = await adviser.press(f"adviser:reply:{signal_id}")
    card = the_form(asked)
    assert submit_data(card) == [{"form": f"adviser:reply:{signal_id}"}]
    assert inputs(card)["text"]["isMultiline"] is True
    done = await adviser.submit(
        f"adviser:reply:{signal_id}", text="Thank you for telling me. Shall we talk on Thursday?"
    )
    assert t("en", "adviser.sent") in text_of(done)

    # Another Teams chat, another account: only the receipt links it to the signal.
    later = user(app_client, connector, signing_key, "reporter-later", locale="en-US")
    assert later.conversation_id != reporter.conversation_id and later.aad_id != reporter.aad_id
    await later.press("topic:follow-up")
    thread = await later.submit("follow-up:read", code=receipt.code)
    assert "Thank you for telling me. Shall we talk on Thursday?" in text_of(thread)
    assert t("en", "follow_up.status_open") in text_of(thread)
    assert t("en", "follow_up.no_answer_yet") not in text_of(thread)

    # The passphrase went in through a card; it is nowhere in the database.
    for path, blob in files_under(services.settings.data_dir):
        assert PASSPHRASE.encode() not in blob, path.name

    # Closing asks how the signal ended: eight buttons are more than a card's row of actions
    # holds, so each gets its own row, its label in full.
    asked = await adviser.press(f"adviser:close:{signal_id}")
    (card,) = cards(asked)
    rows_of_buttons = [element for element in card["body"] if element["type"] == "ActionSet"]
    assert "actions" not in card and len(rows_of_buttons) == len(OUTCOMES) + 1
    assert [row["actions"][0]["title"] for row in rows_of_buttons] == [
        *(t("en", f"adviser.outcome_{o.replace('-', '_')}") for o in OUTCOMES),
        t("en", "adviser.keep_open"),
    ]
    assert actions(asked) == [
        *(close_as_action(signal_id, o) for o in OUTCOMES),
        f"adviser:open:{signal_id}",
    ]
    assert [len(row["actions"]) for row in rows_of_buttons] == [1] * (len(OUTCOMES) + 1)
    assert t("en", "adviser.close_choose", id=signal_id[:8]) in text_of(asked)
    closed = await adviser.press(close_as_action(signal_id, "referred-outside"))
    outside = t("en", "adviser.outcome_referred_outside")
    assert t("en", "adviser.closed_as", outcome=outside) in text_of(closed)
    await later.press("topic:follow-up")
    thread = await later.submit("follow-up:read", code=receipt.code)
    assert t("en", "follow_up.status_closed") in text_of(thread)


# ---- 5. the anonymity canary -------------------------------------------------------------


@dataclass
class Canary:
    """A reporter whose every Teams id, name and text is unique to this run."""

    tag: str = field(default_factory=lambda: secrets.token_hex(5))
    aad_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    tenant_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    receipt: str = ""

    @property
    def user_id(self) -> str:
        return f"29:Canary-UserId-{self.tag}"

    @property
    def conversation_id(self) -> str:
        return f"a:Canary-Conversation-{self.tag}"

    @property
    def name(self) -> str:
        return f"Canary-Name-{self.tag}"

    @property
    def bot_name(self) -> str:
        return f"Canary-BotName-{self.tag}"

    @property
    def typed(self) -> str:
        return f"Canary-Typed-{self.tag} ik wil iets melden over mijn leidinggevende"

    @property
    def what(self) -> str:
        return f"Canary-What-{self.tag}: grappen over mijn accent bij de koffieautomaat, één keer"

    @property
    def hope(self) -> str:
        return f"Canary-Hope-{self.tag} een gesprek met mijn manager"

    @property
    def addition(self) -> str:
        return f"Canary-Addition-{self.tag}: het gebeurde weer"

    def ids(self) -> list[str]:
        return [
            self.user_id,
            self.user_id.removeprefix("29:"),
            self.aad_id,
            self.name,
            self.conversation_id,
            self.conversation_id.removeprefix("a:"),
            self.tenant_id,
            self.bot_name,
        ]

    def secrets(self) -> list[str]:
        texts = [self.typed, self.what, self.hope, self.addition]
        markers = [f"Canary-{kind}-{self.tag}" for kind in ("Typed", "What", "Hope", "Addition")]
        receipt = [self.receipt, self.receipt.replace("-", "")] if self.receipt else []
        return [*self.ids(), *texts, *markers, *receipt]

    def in_teams(self, client: Client, connector: FakeConnector, key: SigningKey) -> TeamsUser:
        return TeamsUser(
            client,
            connector,
            key,
            user_id=self.user_id,
            aad_id=self.aad_id,
            conversation_id=self.conversation_id,
            name=self.name,
            tenant_id=self.tenant_id,
            bot_name=self.bot_name,
        )


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    return capture_every_log(caplog)


def places(value: Any, needle: str, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Where in a JSON value ``needle`` occurs (in any case), as key paths."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in places(v, needle, (*path, str(k)))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in places(v, needle, (*path, str(i)))]
    return [path] if isinstance(value, str) and needle.lower() in value.lower() else []


async def test_no_teams_identity_or_text_of_a_reporter_is_stored_or_logged(
    app_client: Client,
    connector: FakeConnector,
    signing_key: SigningKey,
    teams_settings: Settings,
    every_log: pytest.LogCaptureFixture,
) -> None:
    services = services_of(app_client)
    canary = Canary()
    adviser = user(app_client, connector, signing_key, f"adviser-{canary.tag}")
    await enrol_adviser(services, adviser.aad_id)
    reporter = canary.in_teams(app_client, connector, signing_key)

    await reporter.install()
    await reporter.say(canary.typed)
    receipt = await leave_signal(reporter, canary.what, hope=canary.hope, kinds="racism,other")
    canary.receipt = receipt.code
    await reporter.press("teams:hide-sensitive", reply_to=receipt.message_id)
    await reporter.press("topic:follow-up")
    await reporter.submit("follow-up:read", code=receipt.code)
    await reporter.press("follow-up:add")
    added = await reporter.submit("follow-up:add", code=receipt.code, text=canary.addition)
    assert t("nl", "follow_up.added") in text_of(added)

    await adviser.press("adviser:inbox")
    await adviser.submit("adviser:unlock", passphrase=PASSPHRASE)
    [signal_id] = [row[0] for row in await rows(services, "SELECT id FROM signals")]
    opened = await adviser.press(f"adviser:open:{signal_id}")
    assert canary.what in text_of(opened) and canary.addition in text_of(opened)
    await adviser.press(f"adviser:reply:{signal_id}")
    await adviser.submit(f"adviser:reply:{signal_id}", text="Dank je, laten we praten.")
    thread = await reporter.submit("follow-up:read", code=receipt.code)
    assert "Dank je, laten we praten." in text_of(thread)

    # The registry knows the adviser's own Teams id; that is what it is for.
    advisers = await rows(services, "SELECT teams_id FROM advisers")
    assert (adviser.aad_id,) in advisers

    data = teams_settings.data_dir
    assert "meldwijzer.db-wal" in {p.name for p, _ in files_under(data)}, "read the WAL as it is"
    assert_nowhere(canary.secrets(), data, every_log)
    await app_client.close()  # the app's cleanup closes the engine: WAL checkpointed
    assert_nowhere(canary.secrets(), data, every_log)
    assert every_log.records, "logs were captured"
    # urllib3 logs each Bot Connector request line at DEBUG, with the conversation hidden.
    request_lines = [r.getMessage() for r in every_log.records if r.name == HTTP_LOGGER]
    assert any("/v3/conversations/<hidden>" in line for line in request_lines)

    # What went over the wire to Teams. The SDK addresses every reply to the person it
    # answers: ``recipient`` = the sender's id, display name and AAD object id; ``from`` = the
    # bot with the display name Teams gave it; the conversation id is in the URL and body.
    # The reporter's name is nowhere else, and nothing of the reporter reaches the adviser's
    # chat.
    to_reporter = [c for c in connector.sent() if canary.conversation_id in c.path]
    to_adviser = [c for c in connector.sent() if adviser.conversation_id in c.path]
    assert to_reporter and to_adviser
    assert len(to_reporter) + len(to_adviser) == len(connector.sent())
    for call in to_reporter:
        assert places(call.body, canary.name) == [("recipient", "name")], call.body
        assert call.body["recipient"]["aadObjectId"] == canary.aad_id
        assert places(call.body, canary.bot_name) == [("from", "name")]
    for call in to_adviser:
        assert_absent(canary.ids(), "a message to the adviser", json.dumps(call.body).encode())
        assert canary.name not in call.path and canary.aad_id not in call.path


def test_the_canary_checks_can_fail(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    canary = Canary()
    (tmp_path / "meldwijzer.db").write_bytes(b"\x00" + canary.aad_id.upper().encode() + b"\xff")
    with pytest.raises(AssertionError, match=r"found in meldwijzer\.db"):
        assert_nowhere(canary.secrets(), tmp_path, caplog)
    (tmp_path / "meldwijzer.db").write_bytes(b"clean")
    logging.getLogger("meldwijzer.test").warning("turn by %s", canary.name.lower())
    with pytest.raises(AssertionError, match="found in log record"):
        assert_nowhere(canary.secrets(), tmp_path, caplog)
    reply = {"recipient": {"name": canary.name}, "text": f"Hoi {canary.name}"}
    assert places(reply, canary.name) == [("recipient", "name"), ("text",)]


# ---- 6. bad input on the real app, authentication on -------------------------------------


async def nothing_stored(services: Services) -> None:
    for table in ("conversations", "signals", "signal_messages", "receipt_attempts"):
        assert await count(services, table) == 0, table


async def test_bad_input_is_refused_clearly_and_leaves_nothing(
    app_client: Client, connector: FakeConnector, signing_key: SigningKey
) -> None:
    services = services_of(app_client)
    forger = user(app_client, connector, signing_key, "forger")
    claims = channel_claims(APP_ID, connector.url + "/")
    forged = {
        "own key under our key id": SigningKey(signing_key.kid).token(**claims),
        "another audience": signing_key.token(**{**claims, "aud": "another-bot"}),
        "unsigned": jwt.encode(claims, key=None, algorithm="none", headers={"kid": "test-key-1"}),
    }
    intake = forger.activity(
        "card_submit_form.json",
        value={"form": "signal:intake", "what": "Forged-Text-5d1c", "role": "target"},
    )
    for case, token in forged.items():
        response = await forger.post(intake, token=token)
        assert response.status == 401, case
        assert await response.json() == {"error": "unauthorized"}
    assert connector.calls == [] and connector.token_requests == []
    await nothing_stored(services)

    stranger = user(app_client, connector, signing_key, "stranger")
    for action in ("topic:does-not-exist", "adviser:inbox", "nonsense", "x" * 500):
        refused = await stranger.press(action)
        assert len(refused) == 1
        assert text_of(refused) == t("nl", "input.unknown_action"), action
        assert "topic:options" in actions(refused), "the menu comes with it"
    unknown_form = await stranger.submit("signal:intake", what="Unasked-Text-8e2f", role="target")
    assert text_of(unknown_form) == t("nl", "input.unknown_form")

    oversized = "Oversized-Text-3a7b " + "woord " * 500
    too_long = await stranger.say(oversized)
    assert text_of(too_long) == t("nl", "input.too_long", limit="2000")
    await nothing_stored(services)

    huge = stranger.activity(text="x" * (300 * 1024))
    response = await stranger.post(huge)
    assert response.status == 413

    for path, blob in files_under(services.settings.data_dir):
        for marker in (b"Forged-Text-5d1c", b"Unasked-Text-8e2f", b"Oversized-Text-3a7b"):
            assert marker not in blob, path.name
