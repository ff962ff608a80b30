"""SIGKILL at random moments loses no acknowledged signal and leaves no partial one.

What the reporter was told (the receipt on screen) is the promise: each signal whose receipt
arrived is stored and opens with it, after every restart. A signal whose reply was cut off
by the kill may or may not be stored, but never in part: a stored signal always has its
sealed content and its key wrap for each adviser (one transaction, bot/signals/intake.py;
SQLite's write-ahead log replays only committed transactions).
"""

from __future__ import annotations

import asyncio

from bot.app import build_services
from tests.crash.conftest import CrashOutcome


def test_enough_signals_and_kills_for_the_run_to_mean_something(crash_run: CrashOutcome) -> None:
    run = crash_run.run
    assert len(run.acknowledged) >= run.plan.signals
    assert run.kills >= run.plan.kills
    assert len({a.receipt for a in run.acknowledged}) == len(run.acknowledged)


def test_every_restart_found_every_acknowledged_signal_whole(crash_run: CrashOutcome) -> None:
    # Checked while the server was down after each kill, after each restart through the
    # web chat follow-up, and once more after the orderly stop at the end.
    run = crash_run.run
    assert run.problems == [], f"CRASH_SEED={run.plan.seed}; serve log: {run.server.log}"
    assert run.read_back == len(run.acknowledged)


def test_at_the_end_each_receipt_opens_its_own_signal_in_the_core(
    crash_run: CrashOutcome,
) -> None:
    # The same database file through the bot's own ReporterFollowUp, not the web chat.
    async def read_all() -> list[str]:
        services = build_services(crash_run.settings)
        try:
            follow_up = services.signals.follow_up
            return [
                (await follow_up.read(ack.receipt, "crash-check")).content.what
                for ack in crash_run.run.acknowledged
            ]
        finally:
            await services.close()
            services.signals.kdf_pool.close()

    opened = asyncio.run(read_all())
    assert opened == [ack.marker for ack in crash_run.run.acknowledged]
