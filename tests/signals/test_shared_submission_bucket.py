"""New signals draw from one bucket every replica shares: alternating gets the burst once."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from tests.signals.conftest import Build, all_text, count, submit_signal, t

SCARCE = {"signals_per_minute": 0.001, "signals_burst": 2}  # none flows back during a test


async def test_signals_alternating_between_replicas_get_the_burst_once(build_on: Build) -> None:
    one, other = await build_on(**SCARCE), await build_on(**SCARCE)
    await submit_signal(one)
    await submit_signal(other)
    for services in (one, other):
        late = await submit_signal(services, what="Canary-Text-late")
        assert all_text(late.replies) == t("signal.busy")
    assert await count(one, "signals") == 2


async def test_signals_at_once_on_both_replicas_get_exactly_the_burst(build_on: Build) -> None:
    one, other = await build_on(**SCARCE), await build_on(**SCARCE)
    sent = await asyncio.gather(*(submit_signal(one if n % 2 else other) for n in range(6)))
    busy = [s for s in sent if all_text(s.replies) == t("signal.busy")]
    assert len(busy) == 4
    assert await count(one, "signals") == 2


async def test_a_bucket_the_database_cannot_check_is_busy_and_stores_nothing(
    build_on: Build,
) -> None:
    services = await build_on()
    async with services.engine.begin() as connection:
        await connection.execute(text("DROP TABLE rate_buckets"))
    late = await submit_signal(services)
    assert all_text(late.replies) == t("signal.busy")
    assert await count(services, "signals") == 0
