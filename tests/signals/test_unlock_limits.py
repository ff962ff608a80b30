"""Online guessing of an adviser's passphrase: limited per adviser, audited, reported."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import text

from bot.app import Services, build_signal_services
from bot.errors import InputError, WrongPassphrase
from bot.secret import server_secret
from bot.signals.unlock import AdviserSessions
from tests.signals.conftest import (
    PASSPHRASE,
    adviser_in_teams,
    all_text,
    at,
    core_at,
    form_of,
    t,
)

GUESSES = 12
BINDING = "teams\x1ftest-conversation"


@dataclass
class Clock:
    moment: datetime = field(default_factory=lambda: at(2026, 4, 1, 9, 0))

    def __call__(self) -> datetime:
        return self.moment


def sessions_at(services: Services, clock: Clock) -> AdviserSessions:
    settings = services.settings
    given = settings.secret.get_secret_value() if settings.secret else None
    secret = server_secret(given, settings.data_dir)
    return build_signal_services(settings, services.sessions, secret, clock).sessions


async def audit_rows(services: Services) -> list[tuple[object, ...]]:
    async with services.sessions() as db:
        query = text("SELECT adviser_id, action, signal_id FROM audit_log ORDER BY id")
        return [tuple(row) for row in (await db.execute(query)).all()]


async def attempt(sessions: AdviserSessions, adviser_id: str, passphrase: str) -> str:
    try:
        await sessions.unlock(adviser_id, passphrase, BINDING)
    except WrongPassphrase:
        return "wrong"
    except InputError as exc:
        return exc.code
    return "unlocked"


async def test_concurrent_wrong_unlocks_run_argon2id_only_three_times(
    any_services: Services,
) -> None:
    services = any_services
    desk = await adviser_in_teams(services, "aad-guess", name="Canary-Name-gu1")
    sessions = sessions_at(services, Clock())
    guesses = [f"wrong-guess-{n}-xyzzy" for n in range(GUESSES)]
    outcomes = await asyncio.gather(*(attempt(sessions, desk.adviser_id, g) for g in guesses))
    assert sorted(outcomes) == ["unlock_wait"] * (GUESSES - 3) + ["wrong"] * 3
    # Every Argon2id that ran on a wrong passphrase is audited; refusals run none.
    assert await audit_rows(services) == [(desk.adviser_id, "failed_unlock", "-")] * 3


async def test_the_waits_grow_and_end(services: Services) -> None:
    desk = await adviser_in_teams(services, "aad-wait", name="Canary-Name-gu2")
    clock = Clock()
    sessions = sessions_at(services, clock)

    async def guess() -> str:
        return await attempt(sessions, desk.adviser_id, "wrong-guess-xyzzy-1")

    assert [await guess() for _ in range(4)] == ["wrong"] * 3 + ["unlock_wait"]
    for wait in (1, 2, 4, 8):
        clock.moment += timedelta(minutes=wait) - timedelta(seconds=1)
        assert await guess() == "unlock_wait", f"still waiting inside {wait} minutes"
        clock.moment += timedelta(seconds=1)
        assert await guess() == "wrong"
    for _ in range(10):  # the wait stops growing at an hour: never a permanent lock-out
        clock.moment += timedelta(hours=1)
        assert await guess() == "wrong"
    clock.moment += timedelta(hours=1)
    assert await attempt(sessions, desk.adviser_id, PASSPHRASE) == "unlocked"
    assert await guess() == "wrong", "a success ends the streak"


async def test_the_adviser_is_told_of_failed_attempts_at_the_next_unlock(
    services: Services,
) -> None:
    first = at(2026, 4, 1, 9, 0)
    desk = await adviser_in_teams(services, "aad-told", name="Canary-Name-gu3")
    for day, moment in ((0, first), (1, first + timedelta(days=1))):
        there = desk.elsewhere(core_at(services, moment))
        replies = await there.unlock("wrong-guess-xyzzy-2")
        assert all_text(replies) == t("adviser.wrong_passphrase"), day
        assert form_of(replies)["id"] == "adviser:unlock"
    pending = await services.signals.sessions.failed_since_unlock(desk.adviser_id)
    assert pending.count == 2, "kept for the digest until the adviser unlocks"
    assert [on.isoformat() for on in pending.dates] == ["2026-04-01", "2026-04-02"]
    later = desk.elsewhere(core_at(services, first + timedelta(days=2)))
    shown = all_text(await later.unlock())
    assert t("adviser.failed_unlocks", count="2", dates="1 April 2026, 2 April 2026") in shown
    again = desk.elsewhere(core_at(services, first + timedelta(days=3)))
    await again.lock()
    assert t(
        "adviser.failed_unlocks", count="2", dates="1 April 2026, 2 April 2026"
    ) not in all_text(await again.unlock())
    assert (await services.signals.sessions.failed_since_unlock(desk.adviser_id)).count == 0


async def test_a_refused_unlock_says_to_wait_in_chat(services: Services) -> None:
    desk = await adviser_in_teams(services, "aad-chat-wait", name="Canary-Name-gu4")
    core = core_at(services, at(2026, 4, 1, 9, 0))
    there = desk.elsewhere(core)
    for _ in range(3):
        await there.unlock("wrong-guess-xyzzy-3")
    refused = await there.unlock()  # even the right passphrase waits
    assert all_text(refused) == t("adviser.unlock_wait")
    assert form_of(refused)["id"] == "adviser:unlock"
