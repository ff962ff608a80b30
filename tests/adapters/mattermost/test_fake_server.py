"""The fake Mattermost server's REST API answers like the real one (plain aiohttp clients)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from .clients import Integration, api, bearer, bot_post_with_button, receive, ws_url
from .fake_server import FakeMattermost
from .fake_shapes import open_dialog_body
from .recorded import FIXTURES, load_recorded

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


# -- the fake's frames have the recorded shapes ------------------------------------------


async def test_fake_frames_have_the_recorded_shapes(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    anna = fake_mattermost.add_user("anna")
    channel_id = fake_mattermost.channel("algemeen", [anna])
    headers = bearer(fake_mattermost.bot.token)
    async with client.ws_connect(ws_url(fake_mattermost), headers=headers) as ws:
        hello = await receive(ws)
        await fake_mattermost.user_posts(anna, "hoi")
        direct = await receive(ws)
        await fake_mattermost.user_posts(anna, "@meldwijzer hoi", channel_id=channel_id)
        mentioned = await receive(ws)
        await fake_mattermost.system_post(channel_id)
        system = await receive(ws)
    pairs = [
        (hello, "ws_hello"),
        (direct, "ws_posted_direct"),
        (mentioned, "ws_posted_mentioned"),
        (system, "ws_posted_system"),
    ]
    for frame, name in pairs:
        recorded = load_recorded(name)
        assert frame.keys() == recorded.keys(), name
        assert frame["data"].keys() == recorded["data"].keys(), name
        if "post" in recorded["data"]:
            post = json.loads(frame["data"]["post"])
            assert post.keys() == json.loads(recorded["data"]["post"]).keys(), name
    assert json.loads(system["data"]["post"])["type"] == "system_join_channel"


async def test_fake_rest_answers_have_the_recorded_shapes(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    anna = fake_mattermost.add_user("anna")
    _, user = await api(client, fake_mattermost, "GET", f"/api/v4/users/{anna.id}")
    body = [fake_mattermost.bot.id, anna.id]
    _, channel = await api(client, fake_mattermost, "POST", "/api/v4/channels/direct", body)
    _, listed = await api(client, fake_mattermost, "GET", f"/api/v4/channels/{channel['id']}/posts")
    fake_mattermost.revoke_token()
    _, error = await api(client, fake_mattermost, "GET", "/api/v4/users/me")
    assert user.keys() == load_recorded("rest_user").keys()
    assert channel.keys() == load_recorded("rest_channel_direct").keys()
    assert listed.keys() == load_recorded("rest_post_list").keys()
    assert error.keys() == load_recorded("rest_error_401").keys()


async def test_recorded_action_request_matches_what_the_fake_sends(
    fake_mattermost: FakeMattermost,
    client: aiohttp.ClientSession,
    integration: tuple[Integration, str],
) -> None:
    endpoint, base = integration
    anna = fake_mattermost.add_user("anna")
    post = await bot_post_with_button(fake_mattermost, client, anna, base + "/actions")
    await fake_mattermost.click(anna, post)
    await fake_mattermost.slash(anna, url=base + "/command")
    assert endpoint.received[0].keys() == load_recorded("action_request").keys()
    assert endpoint.received[1].keys() == load_recorded("slash_command").keys()


def test_every_fixture_names_its_source() -> None:
    for path in FIXTURES.glob("*.json"):
        assert json.loads(path.read_text(encoding="utf-8"))["_source"], path.name
    listed = (FIXTURES / "README.md").read_text(encoding="utf-8")
    assert all(f"`{path.name}`" in listed for path in FIXTURES.glob("*.json"))


async def test_pending_post_id_forgotten_after_its_time(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    anna = fake_mattermost.add_user("anna")
    channel_id = fake_mattermost.direct_channel_id(anna)
    body = {"channel_id": channel_id, "message": "Notice", "pending_post_id": "notice-1"}
    _, first = await api(client, fake_mattermost, "POST", "/api/v4/posts", body)
    fake_mattermost.expire_pending_post_ids()
    _, second = await api(client, fake_mattermost, "POST", "/api/v4/posts", body)
    assert second["id"] != first["id"] and len(fake_mattermost.posts_in(channel_id)) == 2


def test_a_long_password_element_is_a_valid_dialog_but_a_long_placeholder_is_not() -> None:
    # DialogElement.IsValid (server/public/model/integration_action.go) bounds a text
    # element's default and placeholder by 150, never its max_length: a 500-character
    # passphrase field is a valid dialog.
    password = {"display_name": "Wachtwoord", "name": "passphrase", "type": "text"}
    password |= {"subtype": "password", "max_length": 500}
    body = {"trigger_id": "t", "url": "http://127.0.0.1/d", "dialog": {"title": "Ontgrendel"}}
    body["dialog"]["elements"] = [password]
    assert open_dialog_body(body) == []
    body["dialog"]["elements"] = [{**password, "placeholder": "x" * 151}]
    assert open_dialog_body(body) != []


def test_the_fake_refuses_a_default_the_server_would_refuse() -> None:
    # DialogElement.IsValid: a text default at most 150 bytes (len() of UTF-8), a select
    # default one of its options.
    text = {"display_name": "Kort", "name": "short", "type": "text", "max_length": 150}
    select = {"display_name": "Waar", "name": "where", "type": "select"}
    select["options"] = [{"text": "Team", "value": "team"}]
    body: dict[str, Any] = {"trigger_id": "t", "url": "http://127.0.0.1/d"}
    for element, good, bad in (
        (text, "é" * 75, "é" * 76),
        (select, "team", "elsewhere"),
    ):
        body["dialog"] = {"title": "Melding", "elements": [{**element, "default": good}]}
        assert open_dialog_body(body) == []
        body["dialog"]["elements"] = [{**element, "default": bad}]
        assert open_dialog_body(body) != []
