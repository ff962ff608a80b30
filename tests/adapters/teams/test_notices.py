"""The outbox's Teams channel against the fake Bot Connector: one message, mapped errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.teams import TeamsChannel, TeamsEndpoints, TeamsNoticeChannel, build_teams_channel
from bot.errors import DeliveryError
from bot.outbox.port import TEAMS, Notice

from .conftest import FAST_RETRY, FIXTURES, TENANT_ID, EchoHandler, make_settings
from .fakes import FakeConnector

ADVISER = "6a1f0c9e-8b7d-4c3a-9e2f-1d0c9b8a7f6e"
NOTICE = Notice(
    key="a1" * 32,
    lang="en",
    subject="There are 2 new things on your desk in Meldwijzer",
    body="Open your desk: https://teams.microsoft.com/l/chat/0/0?users=28:app",
    link="https://teams.microsoft.com/l/chat/0/0?users=28:app",
)


def recorded(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return payload


def fail_as(connector: FakeConnector, kind: str, name: str, times: int = 1) -> None:
    """The next ``kind`` call answers as the recorded error ``name``."""
    payload = recorded(name)
    connector.fail(kind, payload["_status"], payload["error"]["code"], times=times)


@pytest.fixture
async def teams(
    sessions: async_sessionmaker[AsyncSession], endpoints: TeamsEndpoints
) -> AsyncIterator[TeamsChannel]:
    built = build_teams_channel(
        EchoHandler(), make_settings(), sessions, endpoints=endpoints, retry=FAST_RETRY
    )
    yield built
    await built.close()


@pytest.fixture
def notices(teams: TeamsChannel) -> TeamsNoticeChannel:
    return TeamsNoticeChannel(teams.notifier, TENANT_ID)


def delivered(connector: FakeConnector) -> list[dict[str, Any]]:
    """Activities the fake accepted (a failed call is recorded too, without a reply id)."""
    return [call.body for call in connector.sent() if call.reply_id is not None]


async def test_a_notice_is_one_message_with_a_bold_subject(
    notices: TeamsNoticeChannel, connector: FakeConnector
) -> None:
    await notices.deliver(ADVISER, NOTICE)
    [create] = [call.body for call in connector.calls if call.path == "/v3/conversations"]
    assert create["members"] == [{"id": ADVISER}]
    assert create["channelData"] == {"tenant": {"id": TENANT_ID}}
    [message] = delivered(connector)
    assert message["type"] == "message"
    assert message["textFormat"] == "markdown"
    assert message["text"] == f"**{NOTICE.subject}**\n\n{NOTICE.body}"
    assert "attachments" not in message or not message["attachments"]
    assert notices.name == TEAMS


async def test_blocked_by_the_adviser_is_final(
    notices: TeamsNoticeChannel, connector: FakeConnector
) -> None:
    await notices.deliver(ADVISER, NOTICE)
    fail_as(connector, "activity", "error_message_writes_blocked.json")
    with pytest.raises(DeliveryError) as raised:
        await notices.deliver(ADVISER, NOTICE)
    assert raised.value.retryable is False
    assert len(delivered(connector)) == 1


async def test_service_unavailable_is_for_a_later_try(
    notices: TeamsNoticeChannel, connector: FakeConnector
) -> None:
    fail_as(connector, "activity", "error_service_unavailable.json")
    with pytest.raises(DeliveryError) as raised:
        await notices.deliver(ADVISER, NOTICE)
    assert raised.value.retryable is True
    assert delivered(connector) == []
    await notices.deliver(ADVISER, NOTICE)  # the outbox's later try
    assert len(delivered(connector)) == 1


async def test_service_unavailable_while_opening_the_chat_is_for_a_later_try(
    notices: TeamsNoticeChannel, connector: FakeConnector
) -> None:
    fail_as(connector, "create", "error_service_unavailable.json")
    with pytest.raises(DeliveryError) as raised:
        await notices.deliver(ADVISER, NOTICE)
    assert raised.value.retryable is True
    await notices.deliver(ADVISER, NOTICE)
    assert len(delivered(connector)) == 1


async def test_no_tenant_is_final_and_calls_nobody(
    teams: TeamsChannel, connector: FakeConnector
) -> None:
    with pytest.raises(DeliveryError) as raised:
        await TeamsNoticeChannel(teams.notifier, "").deliver(ADVISER, NOTICE)
    assert raised.value.retryable is False
    assert connector.calls == [] and connector.token_requests == []


async def test_no_address_is_final_and_calls_nobody(
    notices: TeamsNoticeChannel, connector: FakeConnector
) -> None:
    with pytest.raises(DeliveryError) as raised:
        await notices.deliver(" ", NOTICE)
    assert raised.value.retryable is False
    assert connector.calls == []
