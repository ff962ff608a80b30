"""The fake Mattermost server answers like the real one (plain aiohttp clients only)."""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from .fake_server import FakeMattermost, FakeUser


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ws_url(fake: FakeMattermost, **query: Any) -> str:
    base = fake.url.replace("http", "ws", 1) + "/api/v4/websocket"
    if not query:
        return base
    return base + "?" + "&".join(f"{key}={value}" for key, value in query.items())


async def receive(socket: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await asyncio.wait_for(socket.receive(), timeout=5)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    frame: dict[str, Any] = json.loads(message.data)
    return frame


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def api(
    client: aiohttp.ClientSession,
    fake: FakeMattermost,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
) -> tuple[int, Any]:
    headers = bearer(fake.bot.token if token is None else token)
    async with client.request(method, fake.url + path, json=body, headers=headers) as response:
        text = await response.text()
        return response.status, (json.loads(text) if text.startswith(("{", "[")) else text)


# -- REST ------------------------------------------------------------------------------


async def test_users_me_is_the_bot(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    status, me = await api(client, fake_mattermost, "GET", "/api/v4/users/me")
    assert status == 200
    assert me["id"] == fake_mattermost.bot.id and me["username"] == "meldwijzer"
    assert me["is_bot"] is True
    assert len(me["id"]) == 26 and me["id"].isalnum() and me["id"].islower()


async def test_user_locale(fake_mattermost: FakeMattermost, client: aiohttp.ClientSession) -> None:
    anna = fake_mattermost.add_user("anna", locale="en")
    status, user = await api(client, fake_mattermost, "GET", f"/api/v4/users/{anna.id}")
    assert (status, user["locale"], user["username"]) == (200, "en", "anna")
    status, missing = await api(client, fake_mattermost, "GET", "/api/v4/users/" + "x" * 26)
    assert status == 404 and missing["status_code"] == 404


async def test_direct_channel_is_made_once(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    anna = fake_mattermost.add_user("anna")
    body = [fake_mattermost.bot.id, anna.id]
    status, channel = await api(client, fake_mattermost, "POST", "/api/v4/channels/direct", body)
    assert status == 201 and channel["type"] == "D"
    assert channel["name"] == "__".join(sorted(body))
    assert channel["id"] == fake_mattermost.direct_channel_id(anna)
    assert fake_mattermost.shape_errors == []


@pytest.mark.parametrize("body", [[], ["a" * 26], {"ids": []}, ["a" * 26, "b" * 26, "c" * 26]])
async def test_direct_channel_needs_two_user_ids(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession, body: Any
) -> None:
    status, _ = await api(client, fake_mattermost, "POST", "/api/v4/channels/direct", body)
    assert status == 400
    assert fake_mattermost.shape_errors


async def test_create_post_broadcasts_and_lists(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    anna = fake_mattermost.add_user("anna")
    channel_id = fake_mattermost.direct_channel_id(anna)
    body = {"channel_id": channel_id, "message": "Hallo", "props": {"attachments": []}}
    status, post = await api(client, fake_mattermost, "POST", "/api/v4/posts", body)
    assert status == 201
    assert post["user_id"] == fake_mattermost.bot.id and post["message"] == "Hallo"
    status, again = await api(client, fake_mattermost, "GET", f"/api/v4/posts/{post['id']}")
    assert (status, again["id"]) == (200, post["id"])
    assert fake_mattermost.posts_in(channel_id)[-1]["id"] == post["id"]
    assert fake_mattermost.shape_errors == []


@pytest.mark.parametrize(
    "body",
    [{"message": "no channel"}, {"channel_id": "short", "message": "x"}, {"channel_id": "a" * 26}],
)
async def test_create_post_needs_channel_and_message(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession, body: dict[str, Any]
) -> None:
    status, _ = await api(client, fake_mattermost, "POST", "/api/v4/posts", body)
    assert status == 400
    assert fake_mattermost.shape_errors


async def test_pending_post_id_makes_a_repeat_harmless(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    anna = fake_mattermost.add_user("anna")
    channel_id = fake_mattermost.direct_channel_id(anna)
    body = {"channel_id": channel_id, "message": "Notice", "pending_post_id": "notice-1"}
    _, first = await api(client, fake_mattermost, "POST", "/api/v4/posts", body)
    status, second = await api(client, fake_mattermost, "POST", "/api/v4/posts", body)
    assert status == 201 and second["id"] == first["id"]
    assert len(fake_mattermost.posts_in(channel_id)) == 1


async def test_patch_changes_only_what_is_given(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    anna = fake_mattermost.add_user("anna")
    channel_id = fake_mattermost.direct_channel_id(anna)
    body = {"channel_id": channel_id, "message": "Kies", "props": {"a": 1}}
    _, post = await api(client, fake_mattermost, "POST", "/api/v4/posts", body)
    path = f"/api/v4/posts/{post['id']}/patch"
    status, patched = await api(client, fake_mattermost, "PUT", path, {"props": {"b": 2}})
    assert status == 200 and patched["message"] == "Kies" and patched["props"] == {"b": 2}
    status, _ = await api(client, fake_mattermost, "PUT", path, {"colour": "red"})
    assert status == 400 and fake_mattermost.shape_errors


async def test_patch_of_someone_elses_post_is_forbidden(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    anna = fake_mattermost.add_user("anna")
    post = await fake_mattermost.user_posts(anna, "mijn bericht")
    path = f"/api/v4/posts/{post['id']}/patch"
    status, _ = await api(client, fake_mattermost, "PUT", path, {"message": "weg"})
    assert status == 403
    assert fake_mattermost.posts[post["id"]]["message"] == "mijn bericht"


async def test_posts_since_and_channels_with_last_post_at(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    anna = fake_mattermost.add_user("anna")
    first = await fake_mattermost.user_posts(anna, "een")
    second = await fake_mattermost.user_posts(anna, "twee")
    channel_id = first["channel_id"]
    path = f"/api/v4/channels/{channel_id}/posts?since={first['create_at']}"
    status, listed = await api(client, fake_mattermost, "GET", path)
    assert status == 200 and listed["order"] == [second["id"]]
    assert set(listed["posts"]) == {second["id"]}
    path = f"/api/v4/users/{fake_mattermost.bot.id}/channels"
    status, channels = await api(client, fake_mattermost, "GET", path)
    assert status == 200
    assert [(c["id"], c["last_post_at"]) for c in channels] == [(channel_id, second["create_at"])]


async def test_revoked_token_gets_401(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    fake_mattermost.revoke_token()
    status, error = await api(client, fake_mattermost, "GET", "/api/v4/users/me")
    assert status == 401
    assert error["id"] == "api.context.session_expired.app_error"


async def test_fail_next_429_with_rate_limit_headers(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    fake_mattermost.fail_next("GET", r"/api/v4/users/me", 429, times=2)
    for _ in range(2):
        async with client.get(
            fake_mattermost.url + "/api/v4/users/me", headers=bearer(fake_mattermost.bot.token)
        ) as response:
            assert response.status == 429
            assert response.headers["X-Ratelimit-Reset"] == "1"
            assert response.headers["Retry-After"] == "1"
    status, _ = await api(client, fake_mattermost, "GET", "/api/v4/users/me")
    assert status == 200


async def test_fail_next_with_own_headers_and_5xx(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    fake_mattermost.fail_next("POST", r"/api/v4/posts", 503, headers={"Retry-After": "2"})
    anna = fake_mattermost.add_user("anna")
    body = {"channel_id": fake_mattermost.direct_channel_id(anna), "message": "x"}
    async with client.post(
        fake_mattermost.url + "/api/v4/posts", json=body, headers=bearer(fake_mattermost.bot.token)
    ) as response:
        assert (response.status, response.headers["Retry-After"]) == (503, "2")
    status, _ = await api(client, fake_mattermost, "POST", "/api/v4/posts", body)
    assert status == 201
    assert [r.path for r in fake_mattermost.requests].count("/api/v4/posts") == 2


# -- websocket -------------------------------------------------------------------------


async def test_websocket_bearer_gets_hello_with_connection_id(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    async with client.ws_connect(
        ws_url(fake_mattermost), headers=bearer(fake_mattermost.bot.token)
    ) as ws:
        hello = await receive(ws)
        assert hello["event"] == "hello" and hello["seq"] == 0
        assert len(hello["data"]["connection_id"]) == 26
        assert hello["broadcast"]["user_id"] == fake_mattermost.bot.id
        await ws.send_json({"seq": 1, "action": "ping"})
        pong = await receive(ws)
        assert pong["seq_reply"] == 1 and pong["data"]["text"] == "pong"
        assert fake_mattermost.sockets_open == 1
    assert fake_mattermost.connections_total == 1


async def test_websocket_authentication_challenge(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    fake_mattermost.require_challenge = True
    async with client.ws_connect(ws_url(fake_mattermost)) as ws:
        challenge = {"seq": 1, "action": "authentication_challenge"}
        await ws.send_json({**challenge, "data": {"token": fake_mattermost.bot.token}})
        assert await receive(ws) == {"status": "OK", "seq_reply": 1}
        hello = await receive(ws)
        assert hello["event"] == "hello" and hello["seq"] == 0


async def test_websocket_bad_challenge_is_closed(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    fake_mattermost.revoke_token()
    async with client.ws_connect(
        ws_url(fake_mattermost), headers=bearer(fake_mattermost.bot.token)
    ) as ws:
        # The route does not require a session: a revoked token opens an unauthenticated
        # socket, and the challenge with it closes the socket without a reply.
        await ws.send_json(
            {"seq": 1, "action": "authentication_challenge", "data": {"token": "nope"}}
        )
        message = await asyncio.wait_for(ws.receive(), timeout=5)
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_websocket_unauthenticated_is_closed_after_the_auth_timeout(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    fake_mattermost.auth_timeout = 0.05
    async with client.ws_connect(ws_url(fake_mattermost)) as ws:
        await ws.send_json({"seq": 1, "action": "ping"})
        refused = await receive(ws)
        assert refused["status"] == "FAIL" and refused["error"]["status_code"] == 401
        message = await asyncio.wait_for(ws.receive(), timeout=5)
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def posted_of(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    frame = await receive(ws)
    assert frame["event"] == "posted", frame
    return frame


async def test_posted_event_has_the_documented_shape(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    anna = fake_mattermost.add_user("anna")
    async with client.ws_connect(
        ws_url(fake_mattermost), headers=bearer(fake_mattermost.bot.token)
    ) as ws:
        await receive(ws)
        stored = await fake_mattermost.user_posts(anna, "Ik wil iets melden")
        frame = await posted_of(ws)
    data = frame["data"]
    assert isinstance(data["post"], str)  # JSON inside JSON
    post = json.loads(data["post"])
    assert post["id"] == stored["id"] and post["message"] == "Ik wil iets melden"
    assert data["channel_type"] == "D" and data["sender_name"] == "@anna"
    assert json.loads(data["mentions"]) == [fake_mattermost.bot.id]
    assert data["set_online"] is True and data["team_id"] == ""
    assert frame["seq"] == 1 and frame["broadcast"]["channel_id"] == post["channel_id"]


async def test_mentions_in_an_open_channel(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    anna = fake_mattermost.add_user("anna")
    channel_id = fake_mattermost.channel("algemeen", [anna])
    async with client.ws_connect(
        ws_url(fake_mattermost), headers=bearer(fake_mattermost.bot.token)
    ) as ws:
        await receive(ws)
        await fake_mattermost.user_posts(anna, "zonder noemen", channel_id=channel_id)
        plain = await posted_of(ws)
        await fake_mattermost.user_posts(anna, "hoi @meldwijzer.", channel_id=channel_id)
        mentioned = await posted_of(ws)
    assert "mentions" not in plain["data"] and plain["data"]["channel_type"] == "O"
    assert json.loads(mentioned["data"]["mentions"]) == [fake_mattermost.bot.id]
    assert mentioned["data"]["team_id"] == fake_mattermost.team_id


async def test_resume_replays_with_the_same_connection(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    anna = fake_mattermost.add_user("anna")
    headers = bearer(fake_mattermost.bot.token)
    async with client.ws_connect(ws_url(fake_mattermost), headers=headers) as ws:
        connection_id = (await receive(ws))["data"]["connection_id"]
        await fake_mattermost.user_posts(anna, "een")
        assert (await posted_of(ws))["seq"] == 1
        await fake_mattermost.drop_sockets()
    await fake_mattermost.user_posts(anna, "twee")  # while nobody listens
    url = ws_url(fake_mattermost, connection_id=connection_id, sequence_number=1)
    async with client.ws_connect(url, headers=headers) as ws:
        # No new hello on a resume: the missed events come with their own seq numbers.
        replayed = [await posted_of(ws), await posted_of(ws)]
        assert [frame["seq"] for frame in replayed] == [1, 2]
        assert [json.loads(f["data"]["post"])["message"] for f in replayed] == ["een", "twee"]
        await fake_mattermost.user_posts(anna, "drie")
        assert (await posted_of(ws))["seq"] == 3
    assert fake_mattermost.connections_total == 2


async def test_resume_with_nothing_missed_sends_nothing_until_an_event(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    headers = bearer(fake_mattermost.bot.token)
    async with client.ws_connect(ws_url(fake_mattermost), headers=headers) as ws:
        connection_id = (await receive(ws))["data"]["connection_id"]
    url = ws_url(fake_mattermost, connection_id=connection_id, sequence_number=1)
    async with client.ws_connect(url, headers=headers) as ws:
        await ws.send_json({"seq": 1, "action": "ping"})
        assert (await receive(ws))["seq_reply"] == 1  # the ping's answer is the first frame


async def test_forgotten_connection_gets_a_new_id(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    headers = bearer(fake_mattermost.bot.token)
    async with client.ws_connect(ws_url(fake_mattermost), headers=headers) as ws:
        first = (await receive(ws))["data"]["connection_id"]
    fake_mattermost.forget_connections()
    url = ws_url(fake_mattermost, connection_id=first, sequence_number=1)
    async with client.ws_connect(url, headers=headers) as ws:
        hello = await receive(ws)
    assert hello["event"] == "hello" and hello["seq"] == 0
    assert hello["data"]["connection_id"] != first


async def test_a_sequence_no_longer_held_gets_a_new_id(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    headers = bearer(fake_mattermost.bot.token)
    async with client.ws_connect(ws_url(fake_mattermost), headers=headers) as ws:
        first = (await receive(ws))["data"]["connection_id"]
    url = ws_url(fake_mattermost, connection_id=first, sequence_number=57)
    async with client.ws_connect(url, headers=headers) as ws:
        hello = await receive(ws)
    assert hello["event"] == "hello" and hello["data"]["connection_id"] != first


async def test_post_edited_event(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    anna = fake_mattermost.add_user("anna")
    post = await fake_mattermost.user_posts(anna, "eerst")
    async with client.ws_connect(
        ws_url(fake_mattermost), headers=bearer(fake_mattermost.bot.token)
    ) as ws:
        await receive(ws)
        await fake_mattermost.user_edits(post, "daarna")
        frame = await receive(ws)
    assert frame["event"] == "post_edited"
    edited = json.loads(frame["data"]["post"])
    assert edited["message"] == "daarna" and edited["edit_at"] > 0


# -- the user's side: buttons, dialogs, commands ----------------------------------------


class Integration:
    """A tiny integration endpoint that records what the fake server sent it."""

    def __init__(self, fake: FakeMattermost) -> None:
        self.fake = fake
        self.received: list[Any] = []
        self.answer: dict[str, Any] = {}
        self.open_dialog_with: dict[str, Any] | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/actions", self.action)
        app.router.add_post("/dialogs", self.action)
        app.router.add_post("/command", self.command)
        return app

    async def action(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        if self.open_dialog_with is not None:
            async with aiohttp.ClientSession() as session:
                request_body = {**self.open_dialog_with, "trigger_id": body["trigger_id"]}
                await session.post(
                    self.fake.url + "/api/v4/actions/dialogs/open",
                    json=request_body,
                    headers=bearer(self.fake.bot.token),
                )
        return web.json_response(self.answer)

    async def command(self, request: web.Request) -> web.Response:
        self.received.append(dict(await request.post()))
        return web.json_response({"response_type": "ephemeral", "text": "Zie je privébericht."})


@pytest.fixture
async def integration(fake_mattermost: FakeMattermost) -> AsyncIterator[tuple[Integration, str]]:
    found = Integration(fake_mattermost)
    server = TestServer(found.app(), host="127.0.0.1", port=0)
    await server.start_server()
    yield found, str(server.make_url("")).rstrip("/")
    await server.close()


async def bot_post_with_button(
    fake: FakeMattermost, client: aiohttp.ClientSession, user: FakeUser, url: str
) -> dict[str, Any]:
    action = {"name": "Ja", "integration": {"url": url, "context": {"t": "token"}}}
    body = {
        "channel_id": fake.direct_channel_id(user),
        "message": "Wil je verder?",
        "props": {"attachments": [{"actions": [action]}]},
    }
    _, post = await api(client, fake, "POST", "/api/v4/posts", body)
    assert isinstance(post, dict)
    return post


async def test_click_sends_the_documented_payload_and_applies_update(
    fake_mattermost: FakeMattermost,
    client: aiohttp.ClientSession,
    integration: tuple[Integration, str],
) -> None:
    endpoint, base = integration
    anna = fake_mattermost.add_user("anna")
    post = await bot_post_with_button(fake_mattermost, client, anna, base + "/actions")
    assert post["props"]["attachments"][0]["actions"][0]["id"]  # the server fills it in
    endpoint.answer = {"update": {"props": {"attachments": []}}}
    status, answer = await fake_mattermost.click(anna, post)
    assert status == 200 and answer == endpoint.answer
    sent = endpoint.received[0]
    assert sent["user_id"] == anna.id and sent["post_id"] == post["id"]
    assert sent["context"] == {"t": "token"} and sent["type"] == "button"
    assert sent["trigger_id"] in fake_mattermost.triggers
    assert {"channel_id", "channel_name", "team_id", "team_domain", "user_name"} <= sent.keys()
    stored = fake_mattermost.posts[post["id"]]
    # An update without a message empties it, as the server's UpdatePost does.
    assert stored["message"] == "" and stored["props"] == {"attachments": []}


async def test_dialog_opened_with_trigger_then_submitted(
    fake_mattermost: FakeMattermost,
    client: aiohttp.ClientSession,
    integration: tuple[Integration, str],
) -> None:
    endpoint, base = integration
    anna = fake_mattermost.add_user("anna")
    post = await bot_post_with_button(fake_mattermost, client, anna, base + "/actions")
    dialog = {
        "callback_id": "signal",
        "title": "Anonieme melding",
        "state": "signed-state",
        "elements": [{"display_name": "Wat is er gebeurd?", "name": "what", "type": "textarea"}],
    }
    endpoint.open_dialog_with = {"url": base + "/dialogs", "dialog": dialog}
    await fake_mattermost.click(anna, post)
    assert fake_mattermost.shape_errors == []
    [opened] = fake_mattermost.opened_dialogs
    endpoint.open_dialog_with = None
    status, _ = await fake_mattermost.submit_dialog(anna, opened, {"what": "iets"})
    assert status == 200
    submitted = endpoint.received[-1]
    assert submitted["type"] == "dialog_submission" and submitted["state"] == "signed-state"
    assert submitted["submission"] == {"what": "iets"} and submitted["cancelled"] is False
    assert submitted["user_id"] == anna.id and submitted["callback_id"] == "signal"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"title": "Een titel die veel te lang is"}, "dialog.title"),
        ({"elements": [{"display_name": "x" * 25, "name": "a", "type": "text"}]}, "display_name"),
        (
            {"elements": [{"display_name": "A", "name": "a", "type": "text", "max_length": 151}]},
            "max_length",
        ),
        ({"elements": [{"display_name": "A", "name": "a", "type": "select"}]}, "options"),
    ],
)
async def test_dialog_shape_errors(
    fake_mattermost: FakeMattermost,
    client: aiohttp.ClientSession,
    change: dict[str, Any],
    problem: str,
) -> None:
    dialog = {"callback_id": "c", "title": "Titel", "elements": [], **change}
    body = {"trigger_id": "t", "url": "http://127.0.0.1:1/x", "dialog": dialog}
    status, _ = await api(client, fake_mattermost, "POST", "/api/v4/actions/dialogs/open", body)
    assert status == 400
    assert any(problem in error for error in fake_mattermost.shape_errors)


async def test_dialog_needs_a_trigger_the_server_issued(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    body = {"trigger_id": "made-up", "url": "http://127.0.0.1:1/x", "dialog": {"title": "T"}}
    status, _ = await api(client, fake_mattermost, "POST", "/api/v4/actions/dialogs/open", body)
    assert status == 400 and fake_mattermost.opened_dialogs == []


async def test_slash_command_is_form_encoded_with_the_token(
    fake_mattermost: FakeMattermost, integration: tuple[Integration, str]
) -> None:
    endpoint, base = integration
    anna = fake_mattermost.add_user("anna")
    status, answer = await fake_mattermost.slash(anna, "help", url=base + "/command")
    assert status == 200 and answer["response_type"] == "ephemeral"
    form = endpoint.received[0]
    assert form["token"] == fake_mattermost.command_token and form["text"] == "help"
    assert form["user_id"] == anna.id and form["command"] == "/meldwijzer"
    assert form["trigger_id"] in fake_mattermost.triggers


# -- TLS -------------------------------------------------------------------------------


async def test_tls_verified_with_the_test_ca(fake_mattermost_tls: FakeMattermost) -> None:
    assert fake_mattermost_tls.url.startswith("https://127.0.0.1:")
    assert fake_mattermost_tls.ca_file is not None
    context = ssl.create_default_context(cafile=str(fake_mattermost_tls.ca_file))
    async with aiohttp.ClientSession() as session:
        async with session.get(
            fake_mattermost_tls.url + "/api/v4/users/me",
            headers=bearer(fake_mattermost_tls.bot.token),
            ssl=context,
        ) as response:
            assert response.status == 200
        wss = fake_mattermost_tls.url.replace("https", "wss", 1) + "/api/v4/websocket"
        async with session.ws_connect(
            wss, headers=bearer(fake_mattermost_tls.bot.token), ssl=context
        ) as ws:
            assert (await receive(ws))["event"] == "hello"


async def test_tls_refused_without_the_test_ca(fake_mattermost_tls: FakeMattermost) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await session.get(fake_mattermost_tls.url + "/api/v4/users/me")
