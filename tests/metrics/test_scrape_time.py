"""What a scrape reads from the database: the outbox backlog and dead notices, bounded."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from bot.app import SERVICES, Services
from bot.metrics.scrape import read_outbox
from bot.outbox.models import DEAD, PENDING, SENDING, SENT, DeliveryRow
from tests.metrics.conftest import Serve, scrape, scraped, value
from tests.signals.conftest import signal_ids, submit_signal


def notice(status: str, due: datetime) -> DeliveryRow:
    return DeliveryRow(
        id=secrets.token_hex(16),
        kind="notice",
        recipient="admin",
        channel="log",
        local_date=date(2026, 5, 20),
        idempotency_key=secrets.token_hex(32),
        status=status,
        attempts=1,
        next_attempt_at=due,
    )


async def seed(services: Services, *rows: DeliveryRow) -> None:
    async with services.sessions.begin() as db:
        db.add_all(rows)


async def test_the_backlog_counts_due_unsent_notices_and_dead_ones(serve_metrics: Serve) -> None:
    running = await serve_metrics()
    now = datetime.now(UTC)
    past, future = now - timedelta(hours=1), now + timedelta(hours=5)
    await seed(
        running.app[SERVICES],
        notice(PENDING, past),
        notice(SENDING, future),
        notice(PENDING, future),
        notice(SENT, past),
        notice(DEAD, past),
        notice(DEAD, future),
        notice(DEAD, past),
    )
    samples = await scraped(running.metrics)
    assert value(samples, "meldwijzer_outbox_due") == 2
    assert value(samples, "meldwijzer_outbox_dead") == 3


async def test_a_new_signal_does_not_move_the_backlog(serve_metrics: Serve) -> None:
    running = await serve_metrics()
    services = running.app[SERVICES]
    before = await scraped(running.metrics)
    await submit_signal(services)
    async with services.sessions() as db:
        waiting = await db.scalar(
            select(func.count()).select_from(DeliveryRow).where(DeliveryRow.status == PENDING)
        )
    assert waiting  # the signal's notice waits for its notice time
    after = await scraped(running.metrics)
    assert value(before, "meldwijzer_outbox_due") == value(after, "meldwijzer_outbox_due") == 0


async def test_counts_stop_at_the_cap(serve_metrics: Serve) -> None:
    running = await serve_metrics()
    services = running.app[SERVICES]
    past = datetime.now(UTC) - timedelta(minutes=1)
    await seed(services, *(notice(DEAD, past) for _ in range(5)), notice(PENDING, past))
    counts = await read_outbox(services.sessions, datetime.now(UTC), cap=3)
    assert (counts.due, counts.dead) == (1, 3)


async def test_a_turn_that_ran_an_effect_is_counted_like_any_other(serve_metrics: Serve) -> None:
    """Leaving it out would make requests minus turns a count of signals per scrape."""
    running = await serve_metrics()
    submitted = await submit_signal(running.app[SERVICES])
    assert submitted.receipt  # the signal went in: its turn ran the intake effect
    samples = await scraped(running.metrics)
    # Opening the intake (two presses) and sending it.
    assert value(samples, "meldwijzer_turn_seconds_count", channel="webchat") == 3


async def test_nothing_of_a_signal_is_in_a_scrape(serve_metrics: Serve) -> None:
    running = await serve_metrics()
    services = running.app[SERVICES]
    submitted = await submit_signal(services, "Canary-Text-5c7a: a remark")
    status, body = await scrape(running.metrics)
    assert status == 200
    ids = await signal_ids(services)
    assert ids
    for secret in (submitted.receipt, "Canary-Text-5c7a", *ids):
        assert secret not in body
    samples = [line for line in body.splitlines() if not line.startswith("#")]
    assert samples
    assert not [line for line in samples if "signal" in line.lower()]  # no signal counters
