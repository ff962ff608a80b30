"""The listener through the real app and the fake server: what is answered, once, and where."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.mattermost import setup_mattermost
from bot.app import build_services, prepare_database, secret_of
from bot.core import Incoming, Reply
from dialogs.messages import Messages

from .fake_server import FakeMattermost
from .running_app import (
    Client,
    channel_of,
    connected,
    eventually,
    eventually_async,
    free_port,
    health,
    mattermost_settings,
    running_app,
    settled,
)

MESSAGES = Messages.load()


def t(lang: str, key: str) -> str:
    return MESSAGES.text(lang, key)


@pytest.fixture
def fake(fake_mattermost: FakeMattermost) -> FakeMattermost:
    return fake_mattermost


@pytest.fixture
async def client(fake: FakeMattermost, tmp_path: Path) -> AsyncIterator[Client]:
    async with running_app(fake, tmp_path / "data") as running:
        await connected(running)
        yield running


def bot_posts(fake: FakeMattermost, channel_id: str) -> list[dict[str, Any]]:
    return [p for p in fake.posts_in(channel_id) if p["user_id"] == fake.bot.id]


def buttons(post: dict[str, Any]) -> list[str]:
    attachments = (post.get("props") or {}).get("attachments") or []
    return [action["name"] for a in attachments for action in a.get("actions", [])]


async def test_a_direct_hoi_gets_the_menu_as_a_post_with_buttons(
    fake: FakeMattermost, client: Client
) -> None:
    anna = fake.add_user("anna")
    dm = fake.direct_channel_id(anna)
    await fake.user_posts(anna, "hoi")
    await eventually(lambda: bool(bot_posts(fake, dm)), "the bot answered in the DM")
    await settled(client)
    menu = [t("nl", "menu.options"), t("nl", "menu.bystander"), t("nl", "menu.signal")]
    assert [p for p in bot_posts(fake, dm) if set(menu) <= set(buttons(p))]
    assert fake.shape_errors == []


async def test_an_english_profile_is_answered_in_english(
    fake: FakeMattermost, client: Client
) -> None:
    bob = fake.add_user("bob", locale="en")
    dm = fake.direct_channel_id(bob)
    await fake.user_posts(bob, "hi")
    await eventually(lambda: bool(bot_posts(fake, dm)), "the bot answered in the DM")
    menu = {t("en", "menu.options"), t("en", "menu.signal")}
    assert [p for p in bot_posts(fake, dm) if menu <= set(buttons(p))]


async def test_own_posts_edits_system_posts_and_other_bots_are_ignored(
    fake: FakeMattermost, client: Client
) -> None:
    anna = fake.add_user("anna")
    dm = fake.direct_channel_id(anna)
    first = await fake.user_posts(anna, "hoi")
    await eventually(lambda: bool(bot_posts(fake, dm)), "the first answer")
    await settled(client)
    answered = len(bot_posts(fake, dm))  # the bot's own posts came back as events: no loop

    await fake.user_edits(first, "hoi nog een keer")
    await fake.system_post(dm)
    # The server marks a bot account's posts from_bot, an incoming webhook's from_webhook.
    other = fake.add_user("otherbot")
    other_dm = fake.direct_channel_id(other)
    await fake.workspace.store_post(other, other_dm, "hoi", props={"from_bot": "true"})
    await fake.workspace.store_post(other, other_dm, "hoi", props={"from_webhook": "true"})
    # A marker in the same DM: events are handled in order, so once it is answered, the
    # edit, the system post and the other bots' messages have been through the listener.
    marker = await fake.user_posts(anna, "hmm")
    await eventually(lambda: len(bot_posts(fake, dm)) > answered, "the marker's answer")
    await settled(client)
    assert bot_posts(fake, other_dm) == []
    in_order = [p["id"] for p in fake.posts_in(dm)]
    before_marker = fake.posts_in(dm)[: in_order.index(marker["id"])]
    assert len([p for p in before_marker if p["user_id"] == fake.bot.id]) == answered
    assert [p for p in bot_posts(fake, dm) if t("nl", "menu.fallback") in p["message"]]


async def test_a_mention_in_a_channel_gets_a_pointer_and_the_welcome_in_the_dm(
    fake: FakeMattermost, client: Client
) -> None:
    anna = fake.add_user("anna")
    town = fake.channel("town-square", [anna, fake.bot])
    await fake.user_posts(anna, "@meldwijzer ik wil iets melden", channel_id=town)
    dm = fake.direct_channel_id(anna)
    await eventually(lambda: bool(bot_posts(fake, dm)), "the welcome in the DM")
    await settled(client)
    assert [p["user_id"] for p in fake.posts_in(town)] == [anna.id]  # nothing said there
    pointers = [e for e in fake.ephemerals if e.user_id == anna.id]
    assert len(pointers) == 1 and pointers[0].post["channel_id"] == town
    assert "privébericht" in pointers[0].post["message"]
    assert any(t("nl", "menu.welcome") in p["message"] for p in bot_posts(fake, dm))


async def test_a_mention_still_gets_the_welcome_when_ephemeral_posts_are_refused(
    fake: FakeMattermost, client: Client
) -> None:
    # POST /posts/ephemeral needs the create_post_ephemeral permission, which Mattermost
    # gives only to system admins (API reference, "Create a ephemeral post"); a plain bot
    # account gets 403. The DM is the pointer then, and still nothing is said in the channel.
    anna = fake.add_user("anna")
    town = fake.channel("town-square", [anna, fake.bot])
    fake.fail_next("POST", "/api/v4/posts/ephemeral", 403)
    await fake.user_posts(anna, "@meldwijzer ik wil iets melden", channel_id=town)
    dm = fake.direct_channel_id(anna)
    await eventually(lambda: bool(bot_posts(fake, dm)), "the welcome in the DM")
    await settled(client)
    assert [p["user_id"] for p in fake.posts_in(town)] == [anna.id]
    assert fake.ephemerals == []
    assert any(t("nl", "menu.welcome") in p["message"] for p in bot_posts(fake, dm))


async def test_a_channel_message_without_a_mention_is_not_answered(
    fake: FakeMattermost, client: Client
) -> None:
    anna = fake.add_user("anna")
    town = fake.channel("town-square", [anna, fake.bot])
    await fake.user_posts(anna, "goedemorgen allemaal", channel_id=town)
    dm = fake.direct_channel_id(anna)
    await fake.user_posts(anna, "hoi")  # the marker, after it on the same socket
    await eventually(lambda: bool(bot_posts(fake, dm)), "the marker's answer")
    await settled(client)
    assert fake.ephemerals == [] and bot_posts(fake, town) == []


async def test_the_same_post_delivered_twice_is_answered_once(
    fake: FakeMattermost, client: Client
) -> None:
    anna = fake.add_user("anna")
    dm = fake.direct_channel_id(anna)
    await fake.user_posts(anna, "hoi")
    await eventually(lambda: bool(bot_posts(fake, dm)), "the first answer")
    await settled(client)
    answered = len(bot_posts(fake, dm))
    listener = channel_of(client).listener
    assert listener is not None
    posted = [f for f in fake.frames_sent if f.get("event") == "posted"]
    event = next(f for f in posted if json.loads(f["data"]["post"])["user_id"] == anna.id)

    await listener.on_event(event)  # the websocket replays it
    await listener.on_hello(first=False, resumed=False)  # and a catch-up finds it again
    await settled(client)
    assert len(bot_posts(fake, dm)) == answered
    assert any(r.path == f"/api/v4/channels/{dm}/posts" for r in fake.requests)


async def test_a_message_posted_while_disconnected_is_caught_up(
    fake: FakeMattermost, client: Client
) -> None:
    anna = fake.add_user("anna")
    dm = fake.direct_channel_id(anna)
    total = fake.connections_total
    # The server forgets the connection and refuses the next upgrades for a moment, so the
    # message below cannot come over the websocket: only the REST catch-up can find it.
    fake.forget_connections()
    fake.fail_next("GET", r"^/api/v4/websocket$", 503, times=2)
    await fake.drop_sockets()
    await fake.user_posts(anna, "hmm")
    await eventually(lambda: fake.connections_total > total, "a new connection")
    await eventually(lambda: bool(bot_posts(fake, dm)), "the caught-up answer")
    await settled(client)
    assert any(r.path == f"/api/v4/channels/{dm}/posts" for r in fake.requests)
    answers = [p for p in bot_posts(fake, dm) if t("nl", "menu.fallback") in p["message"]]
    assert len(answers) == 1


async def test_a_reply_the_server_refuses_is_logged_and_the_listener_goes_on(
    fake: FakeMattermost, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    anna = fake.add_user("anna")
    dm = fake.direct_channel_id(anna)
    fake.fail_next("POST", r"^/api/v4/posts$", 403)
    with caplog.at_level(logging.WARNING):
        await fake.user_posts(anna, "hoi")
        await eventually(lambda: "not delivered" in caplog.text, "the refusal logged")
        await settled(client)
    assert dm not in caplog.text and anna.id not in caplog.text and "hoi" not in caplog.text
    await fake.user_posts(anna, "hoi")
    await eventually(lambda: bool(bot_posts(fake, dm)), "the next message answered")


async def test_healthz_shows_the_channel_state(fake: FakeMattermost, client: Client) -> None:
    response = await client.get("/healthz")
    assert await response.json() == {
        "status": "ok",
        "database": "up",
        "channels": {"webchat": "up", "mattermost": "up"},
    }
    assert (await health(client))["mattermost"] == {"listener": "single", "socket": "connected"}
    assert fake.sockets_open == 1


async def test_healthz_says_down_without_the_reason_when_the_token_is_refused(
    fake: FakeMattermost, tmp_path: Path
) -> None:
    fake.revoke_token()
    async with running_app(fake, tmp_path / "data") as client:

        async def refused() -> bool:
            return bool((await health(client))["mattermost"]["socket"] == "unauthorized")

        await eventually_async(refused, "the channel reported unauthorized")
        public = await (await client.get("/healthz")).json()
    assert public["channels"] == {"webchat": "up", "mattermost": "down"}
    assert "unauthorized" not in json.dumps(public)


async def test_a_revoked_token_is_unauthorized_in_healthz_and_the_web_chat_keeps_serving(
    fake: FakeMattermost, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake.revoke_token()
    with caplog.at_level(logging.INFO):
        async with running_app(fake, tmp_path / "data") as client:

            async def refused() -> bool:
                return bool((await health(client))["mattermost"]["socket"] == "unauthorized")

            await eventually_async(refused, "the channel reported unauthorized")
            started = await client.post("/api/webchat/conversations", json={"locale": "nl"})
            assert started.status == 201
            assert (await health(client))["status"] == "ok"
    refusals = [r for r in caplog.records if "401" in r.getMessage()]
    assert len(refusals) == 1 and refusals[0].levelno == logging.ERROR
    assert fake.bot.token not in caplog.text
    assert fake.sockets_open == 0


async def test_a_token_revoked_while_listening_stops_the_socket_not_the_app(
    fake: FakeMattermost, client: Client
) -> None:
    fake.revoke_token()
    await fake.drop_sockets()

    async def refused() -> bool:
        return bool((await health(client))["mattermost"]["socket"] == "unauthorized")

    await eventually_async(refused, "the channel reported unauthorized")
    started = await client.post("/api/webchat/conversations", json={"locale": "nl"})
    assert started.status == 201


async def test_over_tls_with_a_private_ca_for_rest_and_websocket(
    fake_mattermost_tls: FakeMattermost, tmp_path: Path
) -> None:
    fake = fake_mattermost_tls
    assert fake.url.startswith("https://") and fake.ca_file is not None
    async with running_app(fake, tmp_path / "data") as client:
        await connected(client)
        anna = fake.add_user("anna")
        dm = fake.direct_channel_id(anna)
        await fake.user_posts(anna, "hoi")
        await eventually(lambda: bool(bot_posts(fake, dm)), "the answer over TLS")
        await settled(client)
    assert fake.shape_errors == []


class FailingCore:
    """A core stand-in that fails the way a bug would (with ids in its message)."""

    async def handle(self, incoming: Incoming) -> Sequence[Reply]:
        raise RuntimeError(f"core broke for {incoming.sender} in {incoming.conversation}")


async def test_a_failing_turn_is_one_apology_and_one_line_with_the_type_only(
    fake: FakeMattermost, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    settings = mattermost_settings(fake, tmp_path / "data", port)
    services = build_services(settings)
    await prepare_database(services)
    app = web.Application()
    channel = setup_mattermost(app, FailingCore(), settings, services.sessions, secret_of(settings))
    anna = fake.add_user("anna", locale="en")
    dm = fake.direct_channel_id(anna)
    try:
        async with TestClient(TestServer(app, host="127.0.0.1", port=port)):
            await eventually(
                lambda: channel.socket is not None and channel.socket.state == "connected",
                "connected",
            )
            with caplog.at_level(logging.INFO):
                await fake.user_posts(anna, "hoi")
                await eventually(lambda: bool(bot_posts(fake, dm)), "the apology")
                assert channel.listener is not None
                await channel.listener.wait_idle()
    finally:
        await services.close()
        services.signals.kdf_pool.close()
    assert [p["message"] for p in bot_posts(fake, dm)] == [
        "Sorry, something went wrong on my side. Please try again in a few minutes."
    ]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["mattermost turn failed: RuntimeError"]
    for secret in (anna.id, dm, fake.bot.token):
        assert secret not in caplog.text
