"""The fake's websocket: authentication, hello, events and resume as the server does them."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from .clients import bearer, receive, ws_url
from .fake_server import FakeMattermost

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


async def test_bearer_is_ignored_when_the_server_wants_a_challenge(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    fake_mattermost.require_challenge = True
    headers = bearer(fake_mattermost.bot.token)
    async with client.ws_connect(ws_url(fake_mattermost), headers=headers) as ws:
        await ws.send_json({"seq": 1, "action": "ping"})
        refused = await receive(ws)  # no hello came first
    assert refused["status"] == "FAIL" and refused["error"]["status_code"] == 401


async def test_revoked_token_opens_an_unauthenticated_socket(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    fake_mattermost.revoke_token()
    headers = bearer(fake_mattermost.bot.token)
    async with client.ws_connect(ws_url(fake_mattermost), headers=headers) as ws:
        await ws.send_json({"seq": 1, "action": "ping"})
        refused = await receive(ws)
    assert refused["seq_reply"] == 1 and refused["error"]["status_code"] == 401
    assert not any(frame.get("event") == "hello" for frame in fake_mattermost.frames_sent)


async def test_upgrade_answers_401_when_asked(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    fake_mattermost.upgrade_answers_401 = True
    fake_mattermost.revoke_token()
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect(ws_url(fake_mattermost), headers=bearer(fake_mattermost.bot.token))
    assert refused.value.status == 401


async def test_fail_next_on_the_upgrade(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    fake_mattermost.fail_next("GET", r"/api/v4/websocket", 503)
    headers = bearer(fake_mattermost.bot.token)
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect(ws_url(fake_mattermost), headers=headers)
    assert refused.value.status == 503
    async with client.ws_connect(ws_url(fake_mattermost), headers=headers) as ws:
        assert (await receive(ws))["event"] == "hello"


async def test_events_older_than_the_dead_queue_give_a_new_connection(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    anna = fake_mattermost.add_user("anna")
    headers = bearer(fake_mattermost.bot.token)
    async with client.ws_connect(ws_url(fake_mattermost), headers=headers) as ws:
        first = (await receive(ws))["data"]["connection_id"]
        for number in range(140):  # more than the 128 the server keeps
            await fake_mattermost.user_posts(anna, f"bericht {number}")
            await receive(ws)
    url = ws_url(fake_mattermost, connection_id=first, sequence_number=2)
    async with client.ws_connect(url, headers=headers) as ws:
        hello = await receive(ws)
    assert hello["event"] == "hello" and hello["seq"] == 0
    assert hello["data"]["connection_id"] != first


async def test_too_many_events_while_away_forget_the_connection(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    anna = fake_mattermost.add_user("anna")
    headers = bearer(fake_mattermost.bot.token)
    async with client.ws_connect(ws_url(fake_mattermost), headers=headers) as ws:
        first = (await receive(ws))["data"]["connection_id"]
    for number in range(257):  # the server's send queue holds 256
        await fake_mattermost.user_posts(anna, f"bericht {number}")
    url = ws_url(fake_mattermost, connection_id=first, sequence_number=1)
    async with client.ws_connect(url, headers=headers) as ws:
        hello = await receive(ws)
    assert hello["event"] == "hello" and hello["data"]["connection_id"] != first


async def test_abrupt_drop_cuts_the_connection_and_resume_still_works(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    anna = fake_mattermost.add_user("anna")
    headers = bearer(fake_mattermost.bot.token)
    async with client.ws_connect(ws_url(fake_mattermost), headers=headers) as ws:
        connection_id = (await receive(ws))["data"]["connection_id"]
        await fake_mattermost.drop_sockets(abrupt=True)
        message = await asyncio.wait_for(ws.receive(), timeout=5)
        assert message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    await fake_mattermost.user_posts(anna, "tijdens de storing")
    url = ws_url(fake_mattermost, connection_id=connection_id, sequence_number=1)
    async with client.ws_connect(url, headers=headers) as ws:
        replayed = await receive(ws)
    assert replayed["event"] == "posted" and replayed["seq"] == 1
