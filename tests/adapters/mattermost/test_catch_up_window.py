"""The REST catch-up looks back no further than the listener remembers answered posts.

A post is claimed once in the shared store, and that claim is forgotten after
``POST_MEMORY``. A catch-up that reaches further back (a standby that waited a day before it
took over, or an old post the channel's REST listing returns again because it changed) would
find posts answered long ago whose claims are gone, and answer them a second time.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.mattermost.driver_rest import DriverApi
from adapters.mattermost.listener import POST_MEMORY, MattermostListener
from adapters.mattermost.once import OnceStore
from adapters.mattermost.signing import CallbackSigner
from adapters.mattermost.turn import MattermostTurn
from bot.app import Services

from .fake_server import FakeMattermost, FakeUser

SECRET = b"catch-up-window-test-secret-0123456789"
HOUR_MS = 3_600_000
LONG_AGO = POST_MEMORY + timedelta(hours=1)  # the claims of posts answered then are gone


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def api(fake_mattermost: FakeMattermost) -> AsyncIterator[DriverApi]:
    client = DriverApi(fake_mattermost.url, fake_mattermost.bot.token, ca_file=None)
    yield client
    await client.close()


async def listener_since(
    services: Services, api: DriverApi, clock: Clock
) -> tuple[MattermostListener, OnceStore]:
    once = OnceStore(services.sessions, SECRET)
    turn = MattermostTurn(
        services.conversations,
        api,
        CallbackSigner(SECRET),
        actions_url="http://127.0.0.1:9/api/mattermost/actions",
    )
    return MattermostListener(turn, api, await api.me(), claims=once, clock=clock), once


async def answered_long_ago(
    fake: FakeMattermost, once: OnceStore, user: FakeUser, *, touched_ms: int | None = None
) -> dict[str, Any]:
    """A "hoi" answered ``LONG_AGO`` (its claim since expired); ``touched_ms``: its update_at
    moved since, as a reply in its thread moves it on the server."""
    post = await fake.user_posts(user, "hoi")
    then = datetime.now(UTC) - LONG_AGO
    stored = fake.posts[post["id"]]
    stored["create_at"] = int(then.timestamp() * 1000)
    stored["update_at"] = touched_ms or stored["create_at"]
    assert await once.claim("post", post["id"], POST_MEMORY, now=then)
    return post


def bot_posts(fake: FakeMattermost, user: FakeUser) -> list[dict[str, Any]]:
    dm = fake.direct_channel_id(user)
    return [p for p in fake.posts_in(dm) if p["user_id"] == fake.bot.id]


async def test_a_standby_that_waited_long_does_not_answer_old_posts_again(
    fake_mattermost: FakeMattermost, services: Services, api: DriverApi
) -> None:
    fake = fake_mattermost
    clock = Clock(time.time() - LONG_AGO.total_seconds() - 3600)  # started before that post
    listener, once = await listener_since(services, api, clock)
    anna = fake.add_user("anna")
    await answered_long_ago(fake, once, anna)
    fake.channels[fake.direct_channel_id(anna)].last_post_at = int(clock.now * 1000) + HOUR_MS
    clock.now = time.time()  # now it takes over, and catches up
    await listener.on_hello(first=True, resumed=False)
    await listener.wait_idle()
    await listener.close()
    assert bot_posts(fake, anna) == []


async def test_an_old_post_changed_lately_is_not_answered_again(
    fake_mattermost: FakeMattermost, services: Services, api: DriverApi
) -> None:
    fake = fake_mattermost
    listener, once = await listener_since(services, api, Clock(time.time()))
    anna, bram = fake.add_user("anna"), fake.add_user("bram")
    await answered_long_ago(fake, once, anna, touched_ms=int(time.time() * 1000))
    await fake.user_posts(anna, "hoi")  # missed while disconnected: to be answered
    await fake.user_posts(bram, "hoi")  # the same, in a DM with nothing old in it
    await listener.on_hello(first=False, resumed=False)
    await listener.wait_idle()
    await listener.close()
    assert bot_posts(fake, bram), "the missed post was not caught up"
    assert len(bot_posts(fake, anna)) == len(bot_posts(fake, bram))


async def test_a_message_sent_while_no_replica_ran_is_answered_after_the_start(
    fake_mattermost: FakeMattermost, services: Services, api: DriverApi
) -> None:
    fake = fake_mattermost
    anna = fake.add_user("anna")
    post = await fake.user_posts(anna, "hoi")  # ten minutes before any replica started
    ten_minutes_ago = int(time.time() * 1000) - 10 * 60_000
    fake.posts[post["id"]]["create_at"] = fake.posts[post["id"]]["update_at"] = ten_minutes_ago
    fake.channels[fake.direct_channel_id(anna)].last_post_at = ten_minutes_ago
    listener, _ = await listener_since(services, api, Clock(time.time()))
    await listener.on_hello(first=True, resumed=False)
    await listener.wait_idle()
    await listener.close()
    assert bot_posts(fake, anna), "a message sent during the outage was never answered"
