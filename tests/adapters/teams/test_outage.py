"""The outage test: the Bot Connector refuses connections, then answers 503, then recovers.

Every notice arrives once. The sends are driven by a minimal loop over the notice port (each
round tries every notice not yet delivered; a retryable error keeps it for the next round, a
final one fails the test), standing in for the outbox worker's rounds without its backoff.
The phases change between rounds, not on a clock, so the test does not depend on timing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.teams import TeamsEndpoints, TeamsNoticeChannel, build_teams_channel
from bot.errors import DeliveryError
from bot.outbox.port import Notice

from .conftest import FAST_RETRY, FIXTURES, TENANT_ID, EchoHandler, make_settings
from .fakes import FakeConnector, OpenIdServer

UNAVAILABLE = json.loads((FIXTURES / "error_service_unavailable.json").read_text("utf-8"))
ADVISERS = [f"6a1f0c9e-8b7d-4c3a-9e2f-{n:012x}" for n in range(12)]


@dataclass
class FlakyConnector:
    """The fake Bot Connector on a fixed port that can go away and come back.

    ``down()`` closes the listening socket and every open connection (the next connect is
    refused); ``up()`` listens on the same port again; ``unavailable`` answers every request,
    the token request included, with the recorded 503.
    """

    fake: FakeConnector
    port: int = 0
    unavailable: bool = False
    refused_answers: int = 0
    _runner: web.AppRunner | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def up(self) -> None:
        app = self.fake.app()
        app.middlewares.append(self._outage)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def down(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @web.middleware
    async def _outage(self, request: web.Request, handler: web.Handler) -> web.StreamResponse:
        if self.unavailable:
            self.refused_answers += 1
            body = {"error": UNAVAILABLE["error"]}
            return web.json_response(body, status=UNAVAILABLE["_status"])
        return await handler(request)


@pytest.fixture
async def flaky() -> AsyncIterator[FlakyConnector]:
    connector = FlakyConnector(FakeConnector())
    await connector.up()
    yield connector
    await connector.down()


@pytest.fixture
async def notices(
    flaky: FlakyConnector, openid: OpenIdServer, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[TeamsNoticeChannel]:
    endpoints = TeamsEndpoints(
        login_host=flaky.url,
        channel_openid_metadata_url=openid.metadata_url,
        emulator_openid_metadata_url=openid.metadata_url,
        oauth_api_url=flaky.url,
        default_service_url=flaky.url + "/",
    )
    teams = build_teams_channel(
        EchoHandler(), make_settings(), sessions, endpoints=endpoints, retry=FAST_RETRY
    )
    yield TeamsNoticeChannel(teams.notifier, TENANT_ID)
    await teams.close()


def notice(number: int) -> Notice:
    return Notice(
        key=f"{number:064x}",
        lang="nl",
        subject=f"Er staat iets nieuws op je bureau ({number})",
        body="Open Meldwijzer in Teams.",
        link="https://teams.microsoft.com/l/chat/0/0?users=28:app",
    )


@dataclass
class Round:
    delivered: int = 0
    retryable: int = 0


async def run_round(channel: TeamsNoticeChannel, queue: list[tuple[str, Notice]]) -> Round:
    """Try every queued notice once; keep the ones to try again. A final error fails."""
    result = Round()
    for address, item in list(queue):
        try:
            await channel.deliver(address, item)
        except DeliveryError as exc:
            assert exc.retryable, f"an outage must not kill a notice: {exc}"
            result.retryable += 1
            continue
        queue.remove((address, item))
        result.delivered += 1
    return result


def arrived(flaky: FlakyConnector) -> Counter[str]:
    """Notice subjects in the messages the connector accepted (a failed call has no id)."""
    return Counter(
        call.body["text"].split("**")[1] for call in flaky.fake.sent() if call.reply_id is not None
    )


async def test_every_notice_arrives_once_through_an_outage(
    flaky: FlakyConnector, notices: TeamsNoticeChannel
) -> None:
    # Before: three advisers already have a chat with the bot and a cached token.
    queue = [(ADVISERS[n], notice(n)) for n in range(3)]
    assert (await run_round(notices, queue)).delivered == 3
    # The outage: the rest of the advisers, and a second notice for those three.
    queue = [(address, notice(n)) for n, address in enumerate(ADVISERS) if n >= 3]
    queue += [(ADVISERS[n], notice(100 + n)) for n in range(3)]
    expected = {item.subject for _, item in queue} | {notice(n).subject for n in range(3)}

    await flaky.down()
    for _ in range(2):
        refused = await run_round(notices, queue)
        assert (refused.delivered, refused.retryable) == (0, len(ADVISERS))
    await flaky.up()
    flaky.unavailable = True
    for _ in range(2):
        unavailable = await run_round(notices, queue)
        assert (unavailable.delivered, unavailable.retryable) == (0, len(ADVISERS))
    assert flaky.refused_answers >= 2 * len(ADVISERS)
    flaky.unavailable = False
    for _ in range(3):
        await run_round(notices, queue)
        if not queue:
            break

    assert queue == []
    assert arrived(flaky) == Counter(expected)  # every notice, each exactly once
    # One chat per adviser: the three that had one kept it through the outage.
    assert flaky.fake.created == len(ADVISERS)
