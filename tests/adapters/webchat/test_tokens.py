"""Conversation tokens the server recognises without a list: an invented one is refused.

Otherwise a stranger could open conversations around the bucket that bounds new ones,
one invented token per turn.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from adapters.webchat import setup_webchat
from adapters.webchat.tokens import ConversationTokens, is_well_formed
from bot.throttle import TokenBucket
from tests.adapters.webchat.conftest import AppClient, RecordingCore, messages_path

SECRET = b"s" * 32


def test_a_token_is_recognised_by_every_replica_with_the_same_secret() -> None:
    one, other = ConversationTokens.from_secret(SECRET), ConversationTokens.from_secret(SECRET)
    token = one.issue()
    assert is_well_formed(token)
    assert other.recognises(token)
    assert not ConversationTokens.from_secret(b"t" * 32).recognises(token)


def test_invented_and_altered_tokens_are_not_recognised() -> None:
    tokens = ConversationTokens.from_secret(SECRET)
    token = tokens.issue()
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for candidate in ("Z" * 32, altered, token[:-1], token + "A", "", "?" * 32):
        assert not tokens.recognises(candidate)


async def test_an_invented_token_is_a_404_and_starts_nothing(aiohttp_client: AppClient) -> None:
    core = RecordingCore()
    app = web.Application()
    bucket = TokenBucket(rate_per_minute=1, burst=1)
    setup_webchat(app, core, max_message_chars=2000, new_conversations=bucket)
    client: TestClient[Any, web.Application] = await aiohttp_client(app)
    started = await client.post("/api/webchat/conversations", json={})
    token = (await started.json())["conversation"]

    # The bucket is empty now; invented tokens must not open conversations around it.
    for invented in ("Z" * 32, "A" * 31 + "B"):
        response = await client.post(messages_path(invented), json={"text": "hallo"})
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"
    assert (await client.post(messages_path(token), json={"text": "hallo"})).status == 200
    assert [incoming.conversation for incoming in core.received] == [token, token]
