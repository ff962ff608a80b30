"""What a digest lists for the responsible adviser, a backup and the admin, on one day."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import update

from bot.app import Services
from bot.outbox.compose import NoticeComposer
from bot.outbox.desk_state import admin_sections, adviser_sections
from bot.outbox.models import ADMIN, DEAD, DeliveryRow
from bot.outbox.port import LOG
from bot.outbox.texts import Entry, Section
from bot.signals.models import MessageRow, SignalRecusalRow, SignalRow, SignalWrapRow
from tests.outbox.desk_factories import (
    away,
    enrolled_adviser,
    local,
    make_responsible,
    signal_on,
    submitted_on,
)
from tests.outbox.test_compose import digest_row
from tests.signals.conftest import (  # noqa: F401
    add_to_thread,
    any_services,
    build_on,
    the_demo_adviser_id,
)

TODAY = date(2026, 5, 21)  # a Thursday


@dataclass(frozen=True)
class Desks:
    a: str  # responsible for most signals
    b: str  # a backup for all of them
    c: str  # away today
    ids: dict[str, str]
    dead: str


async def desks(services: Services) -> Desks:
    a = await the_demo_adviser_id(services)
    b = await enrolled_adviser(services, "backup")
    c = await enrolled_adviser(services, "away")
    plan = {  # name: (created, acknowledged, responsible)
        "new": (date(2026, 5, 20), None, a),
        "soon": (date(2026, 5, 15), None, a),
        "late": (date(2026, 5, 10), None, a),
        "feedback": (date(2026, 1, 10), date(2026, 2, 20), a),
        "ok": (date(2026, 5, 1), date(2026, 5, 2), a),
        "answered": (date(2026, 5, 1), date(2026, 5, 2), a),
        "read": (date(2026, 5, 1), date(2026, 5, 2), a),
        "away": (date(2026, 5, 18), date(2026, 5, 19), c),
        "stranded": (date(2026, 5, 18), date(2026, 5, 19), c),
        "nobody": (date(2026, 5, 18), None, None),
        "closed": (date(2026, 5, 10), None, a),
    }
    ids: dict[str, str] = {}
    for name, (created, acknowledged, responsible) in plan.items():
        ids[name] = await signal_on(services, created)
        await make_responsible(services, ids[name], responsible, acknowledged)
    ids["message"], submitted = await submitted_on(services, date(2026, 5, 1))
    await make_responsible(services, ids["message"], a, date(2026, 5, 2))
    await add_to_thread(submitted.person, submitted.receipt, "more")
    await away(services, c, date(2026, 5, 20), date(2026, 5, 22))
    async with services.sessions.begin() as db:
        # A reporter's message answered by the adviser: nothing new any more.
        db.add(
            MessageRow(
                signal_id=ids["answered"],
                sequence=1,
                author="reporter",
                created_on=TODAY,
                sealed=b"x",
            )
        )
        db.add(
            MessageRow(
                signal_id=ids["answered"],
                sequence=2,
                author="adviser",
                created_on=TODAY,
                sealed=b"x",
            )
        )
        # A reporter's message the adviser has opened, not yet answered: not new either.
        db.add(
            MessageRow(
                signal_id=ids["read"],
                sequence=1,
                author="reporter",
                created_on=TODAY,
                sealed=b"x",
            )
        )
        await db.execute(
            update(SignalWrapRow)
            .where(SignalWrapRow.signal_id == ids["read"], SignalWrapRow.adviser_id == a)
            .values(read_up_to=1)
        )
        db.add_all(SignalRecusalRow(signal_id=ids["stranded"], adviser_id=x) for x in (a, b))
        await db.execute(
            update(SignalRow).where(SignalRow.id == ids["closed"]).values(status="closed")
        )
        dead = DeliveryRow(
            id=secrets.token_hex(16),
            kind="notice",
            recipient=b,
            channel=LOG,
            local_date=TODAY,
            idempotency_key=secrets.token_hex(32),
            status=DEAD,
            attempts=10,
            next_attempt_at=local(2026, 5, 20, 14),
            last_error="no_address",
        )
        db.add(dead)
    return Desks(a, b, c, ids, dead.id)


def listed(sections: list[Section]) -> dict[str, list[Entry]]:
    return {s.key: list(s.entries) for s in sections if s.entries}


def entry(desk: Desks, name: str, due: date | None = None, since: bool = False) -> Entry:
    return Entry(desk.ids[name][:8], due, since)


async def test_the_responsible_adviser_and_a_backup_see_what_is_theirs(
    any_services: Services,  # noqa: F811
) -> None:
    services = any_services
    desk = await desks(services)
    async with services.sessions() as db:
        mine = listed(await adviser_sections(db, desk.a, TODAY))
        backup = listed(await adviser_sections(db, desk.b, TODAY))

    by_id = lambda entries: sorted(entries, key=lambda e: e.ref)  # noqa: E731
    assert by_id(mine.pop("new_signals")) == by_id(
        [entry(desk, n) for n in ("new", "soon", "late")]
    )
    assert mine.pop("new_messages") == [entry(desk, "message")]
    assert mine.pop("ack_soon") == [entry(desk, "soon", date(2026, 5, 22))]
    assert mine.pop("ack_overdue") == [entry(desk, "late", date(2026, 5, 17))]
    # Due three months after the acknowledgement (20 February), not after the signal.
    assert mine.pop("feedback_overdue") == [entry(desk, "feedback", date(2026, 5, 20))]
    assert by_id(mine.pop("backup_away")) == by_id([entry(desk, "away"), entry(desk, "nobody")])
    assert mine == {}

    assert by_id(backup.pop("backup_away")) == by_id([entry(desk, "away"), entry(desk, "nobody")])
    assert by_id(backup.pop("backup_overdue")) == by_id(
        [entry(desk, "late", date(2026, 5, 17)), entry(desk, "feedback", date(2026, 5, 20))]
    )
    assert backup == {}


async def test_feedback_is_not_overdue_three_months_after_the_signal(
    any_services: Services,  # noqa: F811
) -> None:
    services = any_services
    desk = await desks(services)
    async with services.sessions() as db:
        before = listed(await adviser_sections(db, desk.a, date(2026, 5, 20)))
    assert "feedback_overdue" not in before  # due 20 May: not yet overdue that day


async def test_the_admin_sees_waiting_signals_and_dead_notices(any_services: Services) -> None:  # noqa: F811
    services = any_services
    desk = await desks(services)
    async with services.sessions() as db:
        sections = {s.key: s for s in await admin_sections(db, TODAY)}
    assert sorted(sections["waiting"].entries, key=lambda e: e.ref) == sorted(
        [
            entry(desk, "stranded", date(2026, 5, 18), True),
            entry(desk, "nobody", date(2026, 5, 18), True),
        ],
        key=lambda e: e.ref,
    )
    assert sections["dead"].entries == (Entry(desk.dead),)
    assert dict(sections["dead"].facts) == {"count": 1}


async def test_the_digest_text_shows_short_ids_and_written_dates(any_services: Services) -> None:  # noqa: F811
    services = any_services
    desk = await desks(services)
    composer = NoticeComposer(services.settings)
    async with services.sessions() as db:
        notice = await composer.compose(db, digest_row(desk.b, LOG, TODAY), [])
        admin = await composer.compose(db, digest_row(ADMIN, LOG, TODAY), [])
    assert notice is not None and admin is not None
    assert f"- {desk.ids['late'][:8]} (servicenorm: uiterlijk 17 mei 2026)" in notice.body
    assert "donderdag 21 mei 2026" in notice.body
    assert desk.ids["late"] not in notice.body  # the short id only
    assert "2026-05" not in notice.body
    assert f"- {desk.ids['nobody'][:8]} (sinds 18 mei 2026)" in admin.body
    assert f"Berichten die niet verstuurd konden worden (1):\n- {desk.dead}\n" in admin.body
