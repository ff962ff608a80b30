"""The outbox's Mattermost channel against the fake server: one DM post, a stable pending id."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.mattermost.driver_rest import DriverApi
from adapters.mattermost.notices import (
    PENDING_POST_ID_LENGTH,
    MattermostNoticeChannel,
    pending_post_id_for,
)
from bot.errors import DeliveryError
from bot.outbox.failures import failure_of
from bot.outbox.port import MATTERMOST, Notice, NoticeChannel
from bot.outbox.store import Failure

from .fake_server import FakeMattermost
from .rest_fixtures import RecordedSleep, api, calls, fake, sleep

NOTICE = Notice(
    key="a1" * 32,
    lang="nl",
    subject="Er staan 2 nieuwe dingen op je bureau in Meldwijzer",
    body="Open je bureau: https://meldwijzer.example.org/desk",
    link="https://meldwijzer.example.org/desk",
)


__all__ = ["api", "fake", "sleep"]  # the fixtures, imported for pytest


@pytest.fixture
def notices(api: DriverApi) -> MattermostNoticeChannel:
    return MattermostNoticeChannel(api)


def sent_pending_ids(fake: FakeMattermost) -> list[Any]:
    return [call.json["pending_post_id"] for call in calls(fake, "POST", "/api/v4/posts")]


async def test_a_notice_is_one_post_in_the_advisers_dm(
    fake: FakeMattermost, notices: MattermostNoticeChannel
) -> None:
    channel: NoticeChannel = notices
    assert channel.name == MATTERMOST
    adviser = fake.add_user("adviseur")
    await channel.deliver(adviser.id, NOTICE)
    (post,) = fake.posts_in(fake.direct_channel_id(adviser))
    assert post["message"] == f"**{NOTICE.subject}**\n\n{NOTICE.body}"
    assert post["user_id"] == fake.bot.id
    assert sent_pending_ids(fake) == [pending_post_id_for(NOTICE.key)]


def test_the_pending_id_is_short_stable_and_not_the_key() -> None:
    pending = pending_post_id_for(NOTICE.key)
    assert len(pending) == PENDING_POST_ID_LENGTH == 26
    assert pending == pending_post_id_for("a1" * 32)
    assert pending != pending_post_id_for("a2" * 32)
    assert pending.isalnum() and pending.islower()
    assert pending not in NOTICE.key


async def test_a_retried_notice_sends_the_same_pending_id(
    fake: FakeMattermost, notices: MattermostNoticeChannel, sleep: RecordedSleep
) -> None:
    adviser = fake.add_user("adviseur")
    fake.fail_next("POST", r"^/api/v4/posts$", 503)  # inside one delivery
    await notices.deliver(adviser.id, NOTICE)
    assert len(sleep.waits) == 1
    fake.fail_next("POST", r"^/api/v4/posts$", 500, times=10)  # the outbox's later try
    with pytest.raises(DeliveryError) as raised:
        await notices.deliver(adviser.id, NOTICE)
    assert raised.value.retryable is True
    ids = sent_pending_ids(fake)
    assert len(ids) == 2 + 4 and set(ids) == {pending_post_id_for(NOTICE.key)}


async def test_403_is_final(fake: FakeMattermost, notices: MattermostNoticeChannel) -> None:
    adviser = fake.add_user("adviseur")
    fake.fail_next("POST", r"^/api/v4/posts$", 403)
    with pytest.raises(DeliveryError) as raised:
        await notices.deliver(adviser.id, NOTICE)
    assert raised.value.retryable is False
    assert adviser.id not in str(raised.value)
    assert failure_of(MATTERMOST, raised.value) == Failure("mattermost 403", retryable=False)
    assert len(calls(fake, "POST", "/api/v4/posts")) == 1
    assert fake.posts_in(fake.direct_channel_id(adviser)) == []


async def test_a_user_that_is_gone_is_final(
    fake: FakeMattermost, notices: MattermostNoticeChannel
) -> None:
    fake.fail_next("POST", r"^/api/v4/channels/direct$", 404)
    with pytest.raises(DeliveryError) as raised:
        await notices.deliver(fake.add_user("weg").id, NOTICE)
    assert raised.value.retryable is False
    assert calls(fake, "POST", "/api/v4/posts") == []


async def test_an_outage_is_for_a_later_try(
    fake: FakeMattermost, notices: MattermostNoticeChannel
) -> None:
    fake.fail_next("POST", r"^/api/v4/channels/direct$", 502, times=10)
    with pytest.raises(DeliveryError) as raised:
        await notices.deliver(fake.add_user("adviseur").id, NOTICE)
    assert raised.value.retryable is True


async def test_an_empty_address_is_final_and_asks_nothing(
    fake: FakeMattermost, notices: MattermostNoticeChannel
) -> None:
    before = len(fake.requests)
    with pytest.raises(DeliveryError) as raised:
        await notices.deliver("  ", NOTICE)
    assert raised.value.retryable is False
    assert len(fake.requests) == before


async def test_a_notice_sent_again_within_the_servers_window_shows_once(
    fake: FakeMattermost, notices: MattermostNoticeChannel
) -> None:
    """As after an answer lost on the way back: the server knows the pending id (30 s)."""
    adviser = fake.add_user("adviseur")
    await notices.deliver(adviser.id, NOTICE)
    await notices.deliver(adviser.id, NOTICE)
    assert len(fake.posts_in(fake.direct_channel_id(adviser))) == 1
    other = Notice(NOTICE.key.replace("a1", "b2"), "nl", NOTICE.subject, NOTICE.body, NOTICE.link)
    await notices.deliver(adviser.id, other)
    assert len(fake.posts_in(fake.direct_channel_id(adviser))) == 2
