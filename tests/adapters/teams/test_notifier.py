"""Proactive notices to advisers against the fake Bot Connector."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.teams import TeamsChannel, TeamsEndpoints, build_teams_channel
from adapters.teams.references import AdviserConversationRow
from bot.core import Reply
from bot.errors import DeliveryError

from .conftest import APP_ID, FAST_RETRY, TENANT_ID, EchoHandler, make_settings
from .fakes import FakeConnector

ADVISER = "6a1f0c9e-8b7d-4c3a-9e2f-1d0c9b8a7f6e"
NOTICE = [Reply("Er is een nieuwe melding voor je. Open Meldwijzer om hem te lezen.")]


@pytest.fixture
async def channel(
    sessions: async_sessionmaker[AsyncSession], endpoints: TeamsEndpoints
) -> AsyncIterator[TeamsChannel]:
    built = build_teams_channel(
        EchoHandler(), make_settings(), sessions, endpoints=endpoints, retry=FAST_RETRY
    )
    yield built
    await built.close()


async def stored(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, str, str]]:
    async with sessions() as session:
        rows = (await session.execute(select(AdviserConversationRow))).scalars().all()
    return [(row.adviser_aad_id, row.tenant_id, row.conversation_id) for row in rows]


def creates(connector: FakeConnector) -> list[dict[str, object]]:
    return [call.body for call in connector.calls if call.path == "/v3/conversations"]


async def test_first_notice_opens_a_chat_and_remembers_it(
    channel: TeamsChannel, connector: FakeConnector, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await channel.notifier.notify(ADVISER, TENANT_ID, NOTICE)
    await channel.notifier.notify(ADVISER, TENANT_ID, NOTICE)
    [create] = creates(connector)
    assert create["bot"] == {"id": f"28:{APP_ID}"}
    assert create["members"] == [{"id": ADVISER}]
    assert create["tenantID"] == TENANT_ID  # spelled so in the Connector API
    assert create["channelData"] == {"tenant": {"id": TENANT_ID}}
    sent = connector.sent()
    assert [call.path for call in sent] == ["/v3/conversations/a:created-1/activities"] * 2
    assert sent[0].body["text"] == NOTICE[0].text
    assert {call.authorization for call in connector.calls} == {"Bearer outgoing-1"}
    assert await stored(sessions) == [(ADVISER, TENANT_ID, "a:created-1")]


async def test_conversation_not_found_is_recreated_once(
    channel: TeamsChannel, connector: FakeConnector, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await channel.notifier.notify(ADVISER, TENANT_ID, NOTICE)
    connector.fail("activity", 404, "ConversationNotFound")
    await channel.notifier.notify(ADVISER, TENANT_ID, NOTICE)
    assert len(creates(connector)) == 2
    assert connector.sent()[-1].path == "/v3/conversations/a:created-2/activities"
    assert await stored(sessions) == [(ADVISER, TENANT_ID, "a:created-2")]


async def test_conversation_not_found_twice_gives_up_for_good(
    channel: TeamsChannel, connector: FakeConnector, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await channel.notifier.notify(ADVISER, TENANT_ID, NOTICE)
    connector.fail("activity", 404, "ConversationNotFound", times=2)
    with pytest.raises(DeliveryError) as raised:
        await channel.notifier.notify(ADVISER, TENANT_ID, NOTICE)
    assert raised.value.retryable is False
    assert len(creates(connector)) == 2
    assert await stored(sessions) == []


async def test_blocked_bot_drops_the_reference_and_is_not_retried(
    channel: TeamsChannel, connector: FakeConnector, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await channel.notifier.notify(ADVISER, TENANT_ID, NOTICE)
    connector.fail("activity", 403, "MessageWritesBlocked")
    with pytest.raises(DeliveryError) as raised:
        await channel.notifier.notify(ADVISER, TENANT_ID, NOTICE)
    assert raised.value.retryable is False
    assert len(connector.sent()) == 2
    assert await stored(sessions) == []


@pytest.mark.parametrize("status", [412, 429, 502, 504])
async def test_transient_statuses_are_retried(
    channel: TeamsChannel, connector: FakeConnector, status: int
) -> None:
    connector.fail("activity", status, "Transient", times=2)
    await channel.notifier.notify(ADVISER, TENANT_ID, NOTICE)
    assert len(connector.sent()) == 3


async def test_retries_are_bounded_and_the_outbox_may_try_later(
    channel: TeamsChannel, connector: FakeConnector
) -> None:
    connector.fail("activity", 502, "BadGateway", times=10)
    with pytest.raises(DeliveryError) as raised:
        await channel.notifier.notify(ADVISER, TENANT_ID, NOTICE)
    assert raised.value.retryable is True
    assert len(connector.sent()) == FAST_RETRY.attempts


async def test_app_not_installed_for_the_adviser_is_reported(
    channel: TeamsChannel, connector: FakeConnector, sessions: async_sessionmaker[AsyncSession]
) -> None:
    connector.fail("create", 403, "BotNotInConversationRoster")
    with pytest.raises(DeliveryError) as raised:
        await channel.notifier.notify(ADVISER, TENANT_ID, NOTICE)
    assert raised.value.retryable is False
    assert connector.sent() == []
    assert await stored(sessions) == []


async def test_refused_bot_token_is_a_delivery_error(
    channel: TeamsChannel, connector: FakeConnector
) -> None:
    connector.fail("token", 401, "invalid_client")
    with pytest.raises(DeliveryError):
        await channel.notifier.notify(ADVISER, TENANT_ID, NOTICE)
    assert connector.calls == []
