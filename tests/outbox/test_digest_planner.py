"""The daily digest starts once per recipient and day: at its hour, over racing replicas."""

from __future__ import annotations

import asyncio
import sys
from asyncio.subprocess import PIPE
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot import migrate
from bot.app import Services, build_services, prepare_database
from bot.outbox.models import ADMIN, DIGEST, PENDING
from bot.outbox.port import EMAIL, LOG
from bot.outbox.schedule import NoticeSchedule
from bot.settings import Settings
from bot.signals.registry import Adviser
from tests.conftest import TEST_KDF
from tests.outbox.desk_factories import (
    as_utc,
    away,
    digest_runs,
    digests,
    enrolled_adviser,
    local,
    planner,
    replica_sessions,
)
from tests.signals.conftest import (  # noqa: F401
    POSTGRES_URL,
    Build,
    build_on,
    empty_postgres,
    the_demo_adviser_id,
)

EVERY_DAY = "mon,tue,wed,thu,fri,sat,sun"
STEP_MINUTES = 20  # how often the test planner ticks


async def test_the_digest_starts_once_at_the_configured_hour(build_on: Build) -> None:  # noqa: F811
    services = await build_on(digest_time="08:00")
    demo = await the_demo_adviser_id(services)
    plan = planner(services)
    assert await plan.tick(local(2026, 12, 1, 7, 59)) == 0
    assert await digests(services) == []

    assert await plan.tick(local(2026, 12, 1, 8, 0)) == 2  # the demo adviser and the admin
    for minutes in (1, 5, 60, 6 * 60, 15 * 60 + 59):  # the rest of the day
        assert await plan.tick(local(2026, 12, 1, 8, 0) + timedelta(minutes=minutes)) == 0
    rows = await digests(services)
    assert [(r.recipient, r.channel, r.kind, r.local_date) for r in rows] == sorted(
        [(demo, LOG, DIGEST, date(2026, 12, 1)), (ADMIN, LOG, DIGEST, date(2026, 12, 1))]
    )
    assert all(r.status == PENDING and r.attempts == 0 for r in rows)
    assert {as_utc(r.next_attempt_at) for r in rows} == {local(2026, 12, 1, 8, 0)}

    assert await plan.tick(local(2026, 12, 2, 8, 0)) == 2  # the next day: a new one
    assert await plan.tick(local(2026, 12, 5, 8, 0)) == 0  # Saturday is no notice day
    assert await digest_runs(services) == 4


async def test_racing_replicas_start_one_digest_per_recipient_and_channel(
    build_on: Build,  # noqa: F811
) -> None:
    services = await build_on(digest_time="08:00")
    for n in range(5):
        await enrolled_adviser(services, f"adviser-{n}")

    def two_channels(adviser: Adviser) -> tuple[str, ...]:
        return (LOG, EMAIL)

    async with AsyncExitStack() as stack:
        replicas = [
            planner(
                services, two_channels, await stack.enter_async_context(replica_sessions(services))
            )
            for _ in range(4)
        ]
        now = local(2026, 12, 1, 8, 0)
        started = await asyncio.gather(*(replica.tick(now) for replica in replicas))
        again = await asyncio.gather(*(replica.tick(now) for replica in replicas))

    recipients = 6 + 1  # five advisers, the demo adviser, the admin
    assert sum(started) == recipients and sum(again) == 0
    per_pair = Counter((r.recipient, r.channel) for r in await digests(services))
    assert len({recipient for recipient, _ in per_pair}) == recipients
    assert set(per_pair.values()) == {1}
    assert sum(1 for recipient, _ in per_pair if recipient != ADMIN) == 6 * 2  # log + e-mail
    assert await digest_runs(services) == recipients


async def test_an_adviser_away_that_day_gets_no_digest(build_on: Build) -> None:  # noqa: F811
    services = await build_on()
    demo = await the_demo_adviser_id(services)
    present = await enrolled_adviser(services, "present")
    await away(services, demo, date(2026, 11, 30), date(2026, 12, 1))
    await planner(services).tick(local(2026, 12, 1, 9, 0))
    assert {r.recipient for r in await digests(services)} == {present, ADMIN}
    await planner(services).tick(local(2026, 12, 2, 9, 0))  # back the day after
    assert Counter(r.recipient for r in await digests(services))[demo] == 1


@pytest.mark.parametrize("clock", ["08:00", "02:30"])
@pytest.mark.parametrize("month", [3, 10], ids=["march", "october"])
async def test_one_digest_a_day_across_the_clock_changes(
    build_on: Build,  # noqa: F811
    clock: str,
    month: int,
) -> None:
    """08:00 is an ordinary hour; 02:30 is missing in March and happens twice in October."""
    start = datetime(2026, month, 27 if month == 3 else 23, tzinfo=UTC)
    await ticks_give_one_digest_a_day(build_on, clock, start, start + timedelta(days=4))


async def ticks_give_one_digest_a_day(
    build_on: Build,  # noqa: F811
    clock: str,
    start: datetime,
    end: datetime,
) -> None:
    """A planner ticking every STEP_MINUTES from ``start`` to ``end``: one digest per local
    day, each started at the first tick at or after that day's digest time."""
    services = await build_on(digest_time=clock, notice_days=EVERY_DAY)
    demo = await the_demo_adviser_id(services)
    plan = planner(services)
    schedule = NoticeSchedule.of(services.settings)
    moment = start
    while moment < end:
        await plan.tick(moment)
        moment += timedelta(minutes=STEP_MINUTES)
    mine = [r for r in await digests(services) if r.recipient == demo]
    days = [r.local_date for r in mine]
    assert sorted(days) == sorted(set(days))
    expected = sorted({schedule.local_date(start) + timedelta(days=d) for d in range(6)})
    expected = [d for d in expected if start <= schedule.at(d, schedule.digest) < end]
    assert sorted(days) == expected
    for row in mine:
        due = schedule.at(row.local_date, schedule.digest)
        sent = as_utc(row.next_attempt_at)
        assert due <= sent < due + timedelta(minutes=STEP_MINUTES)


@pytest.fixture
async def postgres_services(tmp_path: Path) -> AsyncIterator[Services]:
    """The real services on the test PostgreSQL database only (the race needs real locks)."""
    await empty_postgres()
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=POSTGRES_URL,
        secret="canary-secret-" + "x" * 40,
        **TEST_KDF,  # type: ignore[arg-type]
    )
    services = build_services(settings)
    await migrate.upgrade(services.engine)
    await prepare_database(services, seed_demo=True)
    yield services
    await services.close()
    await empty_postgres()


@pytest.mark.postgres
async def test_two_planner_processes_on_postgres_start_one_digest_each(
    postgres_services: Services,
) -> None:
    services = postgres_services
    for n in range(20):
        await enrolled_adviser(services, f"adviser-{n}")
    now = local(2026, 12, 1, 8, 0).isoformat()
    command = [sys.executable, "-m", "tests.outbox.planner_process", POSTGRES_URL, now]
    processes = [
        await asyncio.create_subprocess_exec(*command, stdin=PIPE, stdout=PIPE) for _ in range(2)
    ]
    for process in processes:
        assert process.stdout is not None
        assert (await process.stdout.readline()).strip() == b"ready"
    outputs = await asyncio.gather(*(p.communicate(b"go\n") for p in processes))
    started = [int(out.strip()) for out, _ in outputs]
    assert all(p.returncode == 0 for p in processes)

    recipients = 21 + 1  # twenty advisers, the demo adviser, the admin
    assert sum(started) == recipients
    per_recipient = Counter(r.recipient for r in await digests(services))
    assert len(per_recipient) == recipients and set(per_recipient.values()) == {1}
    assert await digest_runs(services) == recipients
