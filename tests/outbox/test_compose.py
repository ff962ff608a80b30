"""What a notice and a digest say, and where they go: never a word of the signal."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date

from sqlalchemy import select, update

from bot.app import Services
from bot.outbox.compose import NoticeComposer
from bot.outbox.digest import digest_key
from bot.outbox.models import (
    ADMIN,
    DIGEST,
    NEW_MESSAGE,
    NEW_SIGNAL,
    NOTICE,
    DeliveryItemRow,
    DeliveryRow,
)
from bot.outbox.port import EMAIL, LOG, MATTERMOST, TEAMS, Notice
from bot.settings import Settings
from bot.signals.models import AdviserRow, SignalRow
from bot.signals.registry import NewAdviser
from tests.outbox.desk_factories import local, signal_on
from tests.signals.conftest import (
    PASSPHRASE,
    add_to_thread,
    delete_signal,
    submit_signal,
    the_demo_adviser_id,
)

CANARY_WHAT = "Canary-Text-51af: the manager Wobbeltje said something about my Quokkastraat family"
CANARY_UNIT = "Canary-Unit-7f3a"
CANARY_HOPE = "Canary-Hope-22c8 a talk"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def words_of(text: str) -> set[str]:
    return {w for w in re.findall(r"[\w-]+", text.lower()) if len(w) >= 5}


async def notice_row(
    services: Services, recipient: str, channel: str, signal_ids: list[str], kind: str = NEW_SIGNAL
) -> tuple[DeliveryRow, list[DeliveryItemRow]]:
    async with services.sessions.begin() as db:
        delivery = DeliveryRow(
            id=secrets.token_hex(16),
            kind=NOTICE,
            recipient=recipient,
            channel=channel,
            local_date=date(2026, 12, 1),
            idempotency_key=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
            status="pending",
            attempts=0,
            next_attempt_at=local(2026, 12, 1, 14, 0),
        )
        db.add(delivery)
        await db.flush()
        items = [
            DeliveryItemRow(
                item_key=secrets.token_hex(32), delivery_id=delivery.id, signal_id=s, kind=kind
            )
            for s in signal_ids
        ]
        db.add_all(items)
    return delivery, items


def digest_row(recipient: str, channel: str, day: date) -> DeliveryRow:
    return DeliveryRow(
        id=secrets.token_hex(16),
        kind=DIGEST,
        recipient=recipient,
        channel=channel,
        local_date=day,
        idempotency_key=digest_key(recipient, channel, day),
        status="pending",
        attempts=0,
        next_attempt_at=local(day.year, day.month, day.day, 8, 0),
    )


async def compose(
    services: Services,
    delivery: DeliveryRow,
    items: list[DeliveryItemRow],
    settings: Settings | None = None,
) -> Notice | None:
    composer = NoticeComposer(settings or services.settings)
    async with services.sessions() as db:
        return await composer.compose(db, delivery, items)


async def test_a_notice_says_how_many_and_where_and_no_word_of_the_signal(
    services: Services,
) -> None:
    registry = services.signals.registry
    added = await registry.add(
        NewAdviser(name="Unit Adviser", languages=("en", "nl"), units=(CANARY_UNIT,))
    )
    await registry.enrol(added.id, PASSPHRASE)
    submitted = await submit_signal(services, CANARY_WHAT, unit=CANARY_UNIT, hope=CANARY_HOPE)
    await add_to_thread(submitted.person, submitted.receipt, "Canary-More-9b1e another remark")
    signal_id = next(iter((await signal_rows(services)).keys()))
    delivery, items = await notice_row(
        services, added.id, EMAIL, [signal_id, signal_id], NEW_MESSAGE
    )

    notice = await compose(services, delivery, items)

    assert notice is not None
    assert notice.key == delivery.idempotency_key and notice.lang == "en"
    text = f"{notice.subject}\n{notice.body}\n{notice.link}"
    assert "There are 2 new items on your desk in Meldwijzer." in notice.body
    assert notice.link == "meldwijzer adviser inbox 'Unit Adviser'" and notice.link in notice.body
    leaked = words_of(CANARY_WHAT + CANARY_UNIT + CANARY_HOPE + "Canary-More-9b1e another remark")
    assert not leaked & words_of(text), leaked & words_of(text)
    assert "canary" not in text.lower() and signal_id[:8] not in text
    assert not ISO_DATE.search(text)


async def test_a_notice_in_dutch_with_the_teams_link(services: Services) -> None:
    demo = await the_demo_adviser_id(services)
    signal_id = await signal_on(services, date(2026, 12, 1))
    delivery, items = await notice_row(services, demo, TEAMS, [signal_id])
    settings = services.settings.model_copy(update={"teams_app_id": "0f3c-app"})
    without_teams = await compose(services, delivery, items, settings)
    assert without_teams is not None and without_teams.link == "meldwijzer adviser inbox demo"
    async with services.sessions.begin() as db:
        await db.execute(update(AdviserRow).where(AdviserRow.id == demo).values(teams_id="aad-1"))
    notice = await compose(services, delivery, items, settings)
    assert notice is not None and notice.lang == "nl"
    assert notice.subject == "Nieuw op je bureau in Meldwijzer"
    assert notice.body == (
        "Er staat 1 nieuw punt op je bureau in Meldwijzer.\n\n"
        "Open je bureau: https://teams.microsoft.com/l/chat/0/0?users=28:0f3c-app"
    )


async def test_nothing_to_tell_once_the_signal_is_gone_or_closed(services: Services) -> None:
    demo = await the_demo_adviser_id(services)
    closed = await signal_on(services, date(2026, 12, 1))
    submitted = await submit_signal(services)
    deleted = next(s for s in await signal_rows(services) if s != closed)
    delivery, items = await notice_row(services, demo, LOG, [closed, deleted])
    async with services.sessions.begin() as db:
        await db.execute(update(SignalRow).where(SignalRow.id == closed).values(status="closed"))
    await delete_signal(submitted.person, submitted.receipt)
    assert await compose(services, delivery, items) is None


async def test_a_disabled_adviser_is_told_nothing(services: Services) -> None:
    demo = await the_demo_adviser_id(services)
    signal_id = await signal_on(services, date(2026, 12, 1))
    delivery, items = await notice_row(services, demo, LOG, [signal_id])
    async with services.sessions.begin() as db:
        await db.execute(update(AdviserRow).where(AdviserRow.id == demo).values(active=False))
    assert await compose(services, delivery, items) is None


async def test_the_address_per_channel(services: Services) -> None:
    demo = await the_demo_adviser_id(services)
    async with services.sessions.begin() as db:
        await db.execute(
            update(AdviserRow)
            .where(AdviserRow.id == demo)
            .values(teams_id="aad-1", email="demo@example.org", mattermost_id=None)
        )
    settings = services.settings.model_copy(update={"admin_email": "admin@example.org"})
    composer = NoticeComposer(settings)
    day = date(2026, 12, 1)
    async with services.sessions() as db:
        found = {
            c: await composer.address(db, digest_row(demo, c, day))
            for c in (TEAMS, EMAIL, MATTERMOST, LOG)
        }
        admin = {
            c: await composer.address(db, digest_row(ADMIN, c, day)) for c in (EMAIL, LOG, TEAMS)
        }
    assert found == {
        TEAMS: "aad-1",
        EMAIL: "demo@example.org",
        MATTERMOST: None,
        LOG: f"demo ({demo})",
    }
    assert admin == {EMAIL: "admin@example.org", LOG: ADMIN, TEAMS: None}


async def test_an_empty_digest_is_not_sent_unless_asked(services: Services) -> None:
    demo = await the_demo_adviser_id(services)
    day = date(2026, 12, 1)
    assert await compose(services, digest_row(demo, LOG, day), []) is None
    assert await compose(services, digest_row(ADMIN, LOG, day), []) is None
    settings = services.settings.model_copy(update={"digest_when_empty": True})
    notice = await compose(services, digest_row(demo, LOG, day), [], settings)
    assert notice is not None
    assert notice.subject == "Je overzicht van 1 december 2026"
    assert "dinsdag 1 december 2026" in notice.body
    assert "Er staat vandaag niets voor je klaar." in notice.body


async def signal_rows(services: Services) -> dict[str, SignalRow]:
    async with services.sessions() as db:
        return {row.id: row for row in (await db.execute(select(SignalRow))).scalars()}
