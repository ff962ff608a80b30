"""The outage test: the Bot Connector refuses connections, then answers 503, then recovers.

Every notice arrives once. Signals are left through the real core at fixed moments, so the
outbox rows are the ones intake and follow-up write (``Outbox.tell``); the real outbox
worker sends them with the real composer and Teams notice channel. Its clock is the test's:
a retry comes when the outbox's backoff says (the longest wait full jitter allows, so the
moments are known) and not a second before, and no test sleeps through a backoff.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from sqlalchemy import select

from adapters.teams import TeamsEndpoints, TeamsNoticeChannel, build_teams_channel
from bot.app import Services
from bot.outbox.compose import NoticeComposer
from bot.outbox.models import SENT, DeliveryRow
from bot.outbox.policy import RetryPolicy
from bot.outbox.store import OutboxStore
from bot.outbox.worker import OutboxWorker, Round
from bot.signals.registry import NewAdviser
from tests.outbox.fakes import Clock, UpperBound
from tests.signals.conftest import (
    PASSPHRASE,
    Build,
    Submitted,
    add_to_thread,
    build_on,
    core_at,
    submit_signal,
)

from .conftest import APP_ID, FAST_RETRY, FIXTURES, TENANT_ID, EchoHandler
from .fakes import FakeConnector, OpenIdServer

__all__ = ["build_on"]  # the real services on SQLite and on PostgreSQL

UNAVAILABLE = json.loads((FIXTURES / "error_service_unavailable.json").read_text("utf-8"))
ADVISERS = [f"6a1f0c9e-8b7d-4c3a-9e2f-{n:012x}" for n in range(12)]
# Monday 2 March 2026 in Amsterdam (UTC+1); notices at 09:00 and 14:00 on weekdays.
BEFORE_TWO = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)  # 13:30: told at 14:00
AT_TWO = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
AFTER_TWO = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)  # 14:30: told at 09:00 on Tuesday
TUESDAY_NINE = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
SETTINGS = {
    "demo_adviser": False,
    "teams_app_id": APP_ID,
    "teams_app_password": "s3cret",
    "teams_tenant_id": TENANT_ID,
    "notice_times": "09:00,14:00",
    "notice_days": "mon,tue,wed,thu,fri",
    "timezone": "Europe/Amsterdam",
    "notice_every_seconds": None,
}


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


@dataclass
class Outage:
    services: Services
    worker: OutboxWorker
    policy: RetryPolicy
    clock: Clock


@pytest.fixture
async def outage(
    flaky: FlakyConnector, openid: OpenIdServer, build_on: Build
) -> AsyncIterator[Outage]:
    """Twelve enrolled advisers reachable in Teams, and the outbox worker pointed at the
    flaky connector."""
    services = await build_on(**SETTINGS)
    settings = services.settings
    for number, teams_id in enumerate(ADVISERS):
        added = await services.signals.registry.add(
            NewAdviser(name=f"Adviseur {number}", teams_id=teams_id)
        )
        await services.signals.registry.enrol(added.id, PASSPHRASE)
    endpoints = TeamsEndpoints(
        login_host=flaky.url,
        channel_openid_metadata_url=openid.metadata_url,
        emulator_openid_metadata_url=openid.metadata_url,
        oauth_api_url=flaky.url,
        default_service_url=flaky.url + "/",
    )
    teams = build_teams_channel(
        EchoHandler(), settings, services.sessions, endpoints=endpoints, retry=FAST_RETRY
    )
    policy = RetryPolicy.from_settings(settings)
    clock = Clock(AT_TWO)
    worker = OutboxWorker(
        services.sessions,
        OutboxStore(services.sessions, policy, rng=UpperBound()),
        NoticeComposer(settings),
        [TeamsNoticeChannel(teams.notifier, TENANT_ID)],
        now=clock,
    )
    yield Outage(services, worker, policy, clock)
    await teams.close()


async def leave_signals(services: Services, moment: datetime, count: int) -> list[Submitted]:
    """``count`` reporters leave a signal at ``moment``; each goes to the least loaded."""
    core = core_at(services, moment)
    return [await submit_signal(core, what=f"Canary-outage-{n}") for n in range(count)]


async def deliveries(services: Services) -> list[DeliveryRow]:
    async with services.sessions() as db:
        return list((await db.execute(select(DeliveryRow))).scalars())


def arrived(flaky: FlakyConnector) -> Counter[str]:
    """Notices the connector accepted (a failed call has no id), by adviser: the n-th chat
    created is ``a:created-n`` (a refused or unavailable call never reaches the fake)."""
    chats = {
        f"a:created-{n}": call.body["members"][0]["id"]
        for n, call in enumerate(
            (call for call in flaky.fake.calls if call.path == "/v3/conversations"), start=1
        )
    }
    return Counter(
        chats[call.path.split("/")[3]] for call in flaky.fake.sent() if call.reply_id is not None
    )


async def retry_round(outage: Outage, attempts: int) -> Round:
    """The next round the backoff allows: not a second earlier, then at once."""
    wait = timedelta(seconds=outage.policy.ceiling(attempts))
    outage.clock.moment += wait - timedelta(seconds=1)
    assert (await outage.worker.run_once()).claimed == 0  # not yet due
    outage.clock.advance(1)
    return await outage.worker.run_once()


async def test_every_notice_arrives_once_through_an_outage(
    flaky: FlakyConnector, outage: Outage
) -> None:
    services = outage.services
    # Before: three advisers hear of a signal at 14:00, so they have a chat and a token.
    first = await leave_signals(services, BEFORE_TWO, 3)
    assert (await outage.worker.run_once()) == Round(claimed=3, sent=3)
    told = set(arrived(flaky))
    assert len(told) == 3
    # After 14:00: a signal for each of the other nine, and a message on the first three;
    # all of them told at 09:00 on Tuesday.
    await leave_signals(services, AFTER_TWO, 9)
    later = core_at(services, AFTER_TWO)
    for submitted in first:
        await add_to_thread(submitted.person.elsewhere(later), submitted.receipt, "Canary-later")
    outage.clock.moment = TUESDAY_NINE
    waiting = len(ADVISERS)

    await flaky.down()
    assert (await outage.worker.run_once()) == Round(claimed=waiting, retrying=waiting)
    assert (await retry_round(outage, 1)) == Round(claimed=waiting, retrying=waiting)
    await flaky.up()
    flaky.unavailable = True
    for attempts in (2, 3):
        assert (await retry_round(outage, attempts)) == Round(claimed=waiting, retrying=waiting)
    assert flaky.refused_answers >= 2 * waiting
    flaky.unavailable = False
    assert (await retry_round(outage, 4)) == Round(claimed=waiting, sent=waiting)
    outage.clock.advance(outage.policy.backoff_max_seconds)
    assert (await outage.worker.run_once()).claimed == 0  # nothing left

    # Every notice, each exactly once: two for the first three advisers, one for the rest.
    assert arrived(flaky) == Counter({a: 2 if a in told else 1 for a in ADVISERS})
    rows = await deliveries(services)
    assert [row.status for row in rows] == [SENT] * (waiting + 3)
    assert sorted(row.attempts for row in rows) == [1] * 3 + [5] * waiting
    # One chat per adviser: the three that had one kept it through the outage.
    assert flaky.fake.created == len(ADVISERS)
