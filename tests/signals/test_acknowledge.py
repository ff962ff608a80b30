"""Acknowledging a signal: by reply or explicitly; feedback is due 3 months after that date."""

from __future__ import annotations

from datetime import date

from bot.app import Services
from bot.signals.dates import acknowledge_by, feedback_by
from tests.signals.conftest import (
    SIGNAL_TABLES,
    adviser_in_teams,
    all_text,
    at,
    closed_as,
    core_at,
    signal_ids,
    snapshot,
    submit_signal,
    t,
    values,
)


def test_feedback_counts_from_the_acknowledgement_not_the_signal() -> None:
    assert acknowledge_by(date(2026, 1, 31)) == date(2026, 2, 7)
    assert feedback_by(date(2026, 2, 6)) == date(2026, 5, 6)
    assert feedback_by(date(2025, 11, 30)) == date(2026, 2, 28)  # no 30 February


async def test_an_explicit_acknowledgement_starts_the_feedback_clock(services: Services) -> None:
    await submit_signal(core_at(services, at(2026, 1, 31)))
    later = core_at(services, at(2026, 2, 6))
    desk = await adviser_in_teams(services, "aad-ack-1", core=later)
    await desk.unlock()
    (signal_id,) = await signal_ids(services)
    assert f"adviser:acknowledge:{signal_id}" in {
        b.action for r in await desk.open(signal_id) for b in r.buttons
    }
    done = await desk.person.press(f"adviser:acknowledge:{signal_id}")
    assert all_text(done) == t("adviser.acknowledged", date="6 May 2026")
    assert [str(on) for (on,) in await values(services, "signals", "acknowledged_on")] == [
        "2026-02-06"
    ]
    inbox = all_text(await desk.inbox())
    assert t("adviser.feedback_due", date="6 May 2026") in inbox
    assert t("adviser.ack_due", date="7 February 2026") not in inbox
    actions = [a for (a,) in await values(services, "audit_log", "action")]
    assert actions.count("acknowledge") == 1


async def test_acknowledging_twice_changes_nothing(services: Services) -> None:
    await submit_signal(services)
    desk = await adviser_in_teams(services, "aad-ack-2")
    await desk.unlock()
    (signal_id,) = await signal_ids(services)
    await desk.person.press(f"adviser:acknowledge:{signal_id}")
    before = await snapshot(services, *SIGNAL_TABLES, "audit_log")
    again = await desk.person.press(f"adviser:acknowledge:{signal_id}")
    assert t("adviser.already_acknowledged") in all_text(again)
    assert await snapshot(services, *SIGNAL_TABLES, "audit_log") == before


async def test_a_reply_is_the_acknowledgement_too(services: Services) -> None:
    await submit_signal(core_at(services, at(2026, 3, 2)))
    later = core_at(services, at(2026, 3, 4))
    desk = await adviser_in_teams(services, "aad-ack-3", core=later)
    await desk.unlock()
    (signal_id,) = await signal_ids(services)
    await desk.write(signal_id, "Canary-Text-ack1")
    assert t("adviser.feedback_due", date="4 June 2026") in all_text(await desk.inbox())


async def test_a_closed_signal_cannot_be_acknowledged(services: Services) -> None:
    await submit_signal(services)
    desk = await adviser_in_teams(services, "aad-ack-4")
    await desk.unlock()
    (signal_id,) = await signal_ids(services)
    assert all_text(await desk.close(signal_id, "referred-outside")) == closed_as(
        "referred-outside"
    )
    before = await snapshot(services, *SIGNAL_TABLES, "audit_log")
    refused = await desk.person.press(f"adviser:acknowledge:{signal_id}")
    assert t("adviser.closed") in all_text(refused) or t("signal.closed") in all_text(refused)
    assert await snapshot(services, *SIGNAL_TABLES, "audit_log") == before
