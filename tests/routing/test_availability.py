"""Absences through the real services: not chosen while away, long absences hand over,
and the reporter is told when their signal waits for an adviser."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.app import Services
from bot.errors import InputError
from bot.signals.models import AuditRow, SignalRow
from bot.signals.registry import NewAdviser
from bot.written_dates import written_date
from tests.signals.conftest import (
    PASSPHRASE,
    SIGNAL_TABLES,
    adviser_in_teams,
    all_text,
    open_intake,
    read_thread,
    reporter,
    snapshot,
    submit_signal,
    t,
    the_demo_adviser_id,
    values,
)


async def second_adviser(services: Services, name: str = "Canary-Name-av01") -> str:
    registry = services.signals.registry
    added = await registry.add(NewAdviser(name=name, languages=("nl", "en")))
    await registry.enrol(added.id, PASSPHRASE)
    return added.id


async def responsible(services: Services) -> str:
    ((adviser_id,),) = await values(services, "signals", "adviser_id")
    return str(adviser_id)


async def wrapped(services: Services) -> set[str]:
    return {str(a) for (a,) in await values(services, "signal_wraps", "adviser_id")}


async def audit_actions(services: Services) -> list[str]:
    async with services.sessions() as db:
        return list((await db.execute(select(AuditRow.action).order_by(AuditRow.id))).scalars())


def days(n: int, services: Services) -> tuple[object, object]:
    today = services.signals.desk.today()
    return today, today + timedelta(days=n - 1)


async def test_an_adviser_away_today_is_not_chosen_and_cannot_read(any_services: Services) -> None:
    services = any_services  # on SQLite and on PostgreSQL
    away = await second_adviser(services)
    await services.signals.absences.add(away, *days(3, services))  # type: ignore[arg-type]
    await submit_signal(services)
    demo = await the_demo_adviser_id(services)
    assert await responsible(services) == demo
    assert await wrapped(services) == {demo}


async def test_an_absence_that_starts_later_changes_nothing_today(services: Services) -> None:
    other = await second_adviser(services)
    start = services.signals.desk.today() + timedelta(days=1)
    await services.signals.absences.add(other, start, start + timedelta(days=2))
    await submit_signal(services)
    assert other in await wrapped(services)


async def test_with_everyone_away_the_reporter_is_told_before_writing(services: Services) -> None:
    demo = await the_demo_adviser_id(services)
    await services.signals.absences.add(demo, *days(2, services))  # type: ignore[arg-type]
    opened = await open_intake(reporter(services))
    assert t("signal.no_adviser", contact="").strip() in all_text(opened)
    assert not any(reply.form for reply in opened)


async def test_a_cancelled_absence_makes_the_adviser_available_again(services: Services) -> None:
    demo = await the_demo_adviser_id(services)
    absence = await services.signals.absences.add(demo, *days(2, services))  # type: ignore[arg-type]
    assert [a.id for a in await services.signals.absences.upcoming(demo)] == [absence.id]
    await services.signals.absences.remove(absence.id)
    assert await services.signals.absences.upcoming() == []
    await submit_signal(services)
    assert await wrapped(services) == {demo}


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [(3, 1, "away_order"), (-5, -2, "away_past"), (0, 400, "away_too_long")],
)
async def test_a_bad_absence_is_refused_and_nothing_changes(
    services: Services, start: int, end: int, code: str
) -> None:
    demo = await the_demo_adviser_id(services)
    today = services.signals.desk.today()
    before = await snapshot(services, "adviser_absences", "audit_log")
    with pytest.raises(InputError) as refused:
        await services.signals.absences.add(
            demo, today + timedelta(days=start), today + timedelta(days=end)
        )
    assert refused.value.code == code
    assert await snapshot(services, "adviser_absences", "audit_log") == before


async def test_someone_else_cannot_cancel_an_absence(services: Services) -> None:
    demo = await the_demo_adviser_id(services)
    other = await second_adviser(services)
    absence = await services.signals.absences.add(demo, *days(2, services))  # type: ignore[arg-type]
    with pytest.raises(InputError):
        await services.signals.absences.remove(absence.id, adviser_id=other)
    assert len(await services.signals.absences.upcoming()) == 1


async def test_a_long_absence_hands_open_signals_to_a_reader(any_services: Services) -> None:
    services = any_services  # on SQLite and on PostgreSQL
    other = await second_adviser(services)
    sent = await submit_signal(services)
    first = await responsible(services)
    (taker,) = {other, await the_demo_adviser_id(services)} - {first}
    long_days = services.settings.long_absence_days
    await services.signals.absences.add(first, *days(long_days, services))  # type: ignore[arg-type]
    assert await responsible(services) == taker
    actions = await audit_actions(services)
    assert actions.count("reassign") == 1
    assert t("follow_up.waiting") not in all_text(await read_thread(sent.person, sent.receipt))
    again = await services.signals.absences.hand_over_absent(services.signals.desk.today())
    assert again == [], "a second run finds nothing to hand over"


async def test_a_short_absence_keeps_the_signal(services: Services) -> None:
    await second_adviser(services)
    sent = await submit_signal(services)
    first = await responsible(services)
    await services.signals.absences.add(first, *days(2, services))  # type: ignore[arg-type]
    assert await responsible(services) == first
    # Someone else present can read it, so it does not wait.
    assert t("follow_up.waiting") not in all_text(await read_thread(sent.person, sent.receipt))


async def test_away_with_nobody_else_the_reporter_sees_it_waits(any_services: Services) -> None:
    services = any_services  # on SQLite and on PostgreSQL
    sent = await submit_signal(services)
    demo = await the_demo_adviser_id(services)
    long_days = services.settings.long_absence_days
    await services.signals.absences.add(demo, *days(long_days, services))  # type: ignore[arg-type]
    assert await responsible(services) == demo, "nobody else can read it: it stays"
    audit_rows = len(await audit_actions(services))
    assert await services.signals.absences.hand_over_absent(services.signals.desk.today()) == []
    assert len(await audit_actions(services)) == audit_rows, "nothing to log"
    assert t("follow_up.waiting") in all_text(await read_thread(sent.person, sent.receipt))


async def test_a_disabled_adviser_with_no_backup_leaves_it_waiting(services: Services) -> None:
    sent = await submit_signal(services)
    assert t("follow_up.waiting") not in all_text(await read_thread(sent.person, sent.receipt))
    await services.signals.desk.disable_adviser(await the_demo_adviser_id(services))
    assert t("follow_up.waiting") in all_text(await read_thread(sent.person, sent.receipt))


async def test_an_adviser_reports_an_absence_from_the_chat_desk(services: Services) -> None:
    desk = await adviser_in_teams(services, "aad-away")
    await desk.unlock()
    asked = await desk.person.press("adviser:away")
    assert any(r.form is not None and r.form.id == "adviser:away" for r in asked)
    start, end = days(3, services)
    saved = await desk.person.submit("adviser:away", **{"from": str(start), "until": str(end)})
    words = {"start": written_date(start, "en"), "end": written_date(end, "en")}  # type: ignore[arg-type]
    assert all_text(saved) == t("adviser.away_saved", **words)
    assert [
        (str(a), str(b))
        for a, b in await values(services, "adviser_absences", "starts_on", "ends_on")
    ] == [(str(start), str(end))]


async def test_a_date_the_desk_cannot_read_changes_nothing(services: Services) -> None:
    desk = await adviser_in_teams(services, "aad-away-2")
    await desk.unlock()
    await desk.person.press("adviser:away")
    before = await snapshot(services, "adviser_absences", *SIGNAL_TABLES)
    for bad in ("1 juli", "2026-02-30", "2026-7-1"):
        replies = await desk.person.submit("adviser:away", **{"from": bad, "until": "2026-07-14"})
        assert t("adviser.away_date") in all_text(replies)
    start, end = days(2, services)
    refused = await desk.person.submit("adviser:away", **{"from": str(end), "until": str(start)})
    if start != end:
        assert t("adviser.away_order") in all_text(refused)
    assert await snapshot(services, "adviser_absences", *SIGNAL_TABLES) == before


async def test_a_recusal_goes_to_a_present_reader_before_an_away_one(
    any_services: Services,
) -> None:
    services = any_services  # on SQLite and on PostgreSQL
    desks = {
        d.adviser_id: d
        for d in (
            await adviser_in_teams(services, "aad-r0"),
            await adviser_in_teams(services, "aad-r1", name="Canary-Name-r1"),
            await adviser_in_teams(services, "aad-r2", name="Canary-Name-r2"),
        )
    }
    await submit_signal(services)
    first = await responsible(services)
    ((signal_id,),) = await values(services, "signals", "id")
    away, present = sorted(set(desks) - {first})
    # One more open signal for the present adviser: by load alone the away one would win.
    await submit_signal(services)
    async with services.sessions.begin() as db:
        await db.execute(
            update(SignalRow).where(SignalRow.id != str(signal_id)).values(adviser_id=present)
        )
    await services.signals.absences.add(away, *days(2, services))  # type: ignore[arg-type]
    desk = desks[first]
    await desk.unlock()
    await desk.recuse(str(signal_id))
    async with services.sessions() as db:
        row = await db.get(SignalRow, str(signal_id))
    assert row is not None and row.adviser_id == present


async def test_a_waiting_signal_is_told_once_with_the_date_in_words(services: Services) -> None:
    sent = await submit_signal(services)
    await services.signals.desk.disable_adviser(await the_demo_adviser_id(services))
    text = all_text(await read_thread(sent.person, sent.receipt))
    assert t("follow_up.waiting") in text
    # The waiting line already says when to look again; "no answer yet" would say it twice.
    assert t("follow_up.no_answer_yet") not in text
    today = services.signals.desk.today()
    assert t("follow_up.your_signal", date=written_date(today, "en")) in text
    assert today.isoformat() not in text
