"""Conversation tokens the server recognises without a list: an invented one is refused.

Otherwise a stranger could open conversations around the bucket that bounds new ones,
one invented token per turn; and a token carries its issue time, so one harvested earlier
costs what a new conversation costs once its conversation could have expired.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from adapters.webchat import setup_webchat
from adapters.webchat.tokens import ConversationTokens, Standing, is_well_formed
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
    for candidate in ("Z" * 40, altered, token[:-1], token + "A", "", "?" * 40):
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
    for invented in ("Z" * 40, "A" * 39 + "B"):
        response = await client.post(messages_path(invented), json={"text": "hallo"})
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"
    assert (await client.post(messages_path(token), json={"text": "hallo"})).status == 200
    assert [incoming.conversation for incoming in core.received] == [token, token]


class WallClock:
    """Wall-clock seconds that a test moves on by hand."""

    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def __call__(self) -> float:
        return self.now

    def pass_minutes(self, minutes: float) -> None:
        self.now += minutes * 60


TTL_MINUTES = 60


def tokens_at(clock: WallClock) -> ConversationTokens:
    return ConversationTokens.from_secret(SECRET, ttl_minutes=TTL_MINUTES, clock=clock)


def token_of_the_previous_format(secret: bytes) -> str:
    """A token as issued before the time went in: a nonce and its tag, 32 characters."""
    key = hmac.new(secret, b"meldwijzer webchat conversation token v1", hashlib.sha256).digest()
    nonce = secrets.token_bytes(16)
    tag = hmac.new(key, nonce, hashlib.sha256).digest()[:8]
    return base64.urlsafe_b64encode(nonce + tag).decode("ascii")


def test_a_token_lapses_after_the_conversation_ttl_and_is_unknown_after_a_day() -> None:
    clock = WallClock()
    tokens = tokens_at(clock)
    token = tokens.issue()
    assert tokens.standing(token) is Standing.CURRENT
    clock.pass_minutes(TTL_MINUTES - 1)
    assert tokens.standing(token) is Standing.CURRENT
    clock.pass_minutes(2)
    assert tokens.standing(token) is Standing.LAPSED
    clock.pass_minutes(24 * 60)
    assert tokens.standing(token) is Standing.UNKNOWN
    assert not tokens.recognises(token)


def test_a_token_from_the_previous_format_is_unknown() -> None:
    assert (
        ConversationTokens.from_secret(SECRET).standing(token_of_the_previous_format(SECRET))
        is Standing.UNKNOWN
    )


def test_the_issue_time_cannot_be_read_from_the_token() -> None:
    clock = WallClock()
    tokens = tokens_at(clock)
    minute = int(clock.now // 60)
    plain = [minute.to_bytes(n, "big") for n in (4, 5, 8)]
    for _ in range(20):
        raw = base64.urlsafe_b64decode(tokens.issue())
        assert not any(encoded in raw for encoded in plain)
        assert str(minute).encode() not in raw


async def test_a_lapsed_token_costs_what_a_new_conversation_costs(
    aiohttp_client: AppClient,
) -> None:
    clock = WallClock()
    core = RecordingCore()
    app = web.Application()
    bucket = TokenBucket(rate_per_minute=1, burst=2, clock=lambda: 0.0)  # never refills
    setup_webchat(
        app, core, max_message_chars=2000, new_conversations=bucket, tokens=tokens_at(clock)
    )
    client: TestClient[Any, web.Application] = await aiohttp_client(app)
    old = (await (await client.post("/api/webchat/conversations", json={})).json())["conversation"]
    clock.pass_minutes(TTL_MINUTES + 1)
    fresh = (await (await client.post("/api/webchat/conversations", json={})).json())[
        "conversation"
    ]

    # The bucket is empty: the fresh token still talks; the lapsed one must wait like a start.
    assert (await client.post(messages_path(fresh), json={"text": "hallo"})).status == 200
    lapsed = await client.post(messages_path(old), json={"text": "hallo"})
    assert lapsed.status == 503
    assert (await lapsed.json())["error"]["code"] == "busy"
    assert int(lapsed.headers["Retry-After"]) >= 1
    assert [incoming.conversation for incoming in core.received] == [old, fresh, fresh]


async def test_a_lapsed_token_draws_from_the_bucket_and_talks_on(
    aiohttp_client: AppClient,
) -> None:
    clock = WallClock()
    core = RecordingCore()
    app = web.Application()
    bucket = TokenBucket(rate_per_minute=1, burst=2, clock=lambda: 0.0)
    setup_webchat(
        app, core, max_message_chars=2000, new_conversations=bucket, tokens=tokens_at(clock)
    )
    client: TestClient[Any, web.Application] = await aiohttp_client(app)
    token = (await (await client.post("/api/webchat/conversations", json={})).json())[
        "conversation"
    ]
    clock.pass_minutes(TTL_MINUTES + 1)
    assert (await client.post(messages_path(token), json={"text": "hallo"})).status == 200
    assert not await bucket.take()  # the lapsed turn took the second token


async def test_tokens_past_the_maximum_age_or_of_the_previous_format_are_a_404(
    aiohttp_client: AppClient,
) -> None:
    clock = WallClock()
    core = RecordingCore()
    app = web.Application()
    setup_webchat(app, core, max_message_chars=2000, tokens=tokens_at(clock))
    client: TestClient[Any, web.Application] = await aiohttp_client(app)
    token = (await (await client.post("/api/webchat/conversations", json={})).json())[
        "conversation"
    ]
    clock.pass_minutes(24 * 60 + 1)
    for unknown in (token, token_of_the_previous_format(SECRET)):
        response = await client.post(messages_path(unknown), json={"text": "hallo"})
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"
    assert len(core.received) == 1
