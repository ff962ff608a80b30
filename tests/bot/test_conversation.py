"""The conversation service on a real SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from bot.app import Services, build_conversations
from bot.core import Channel, Incoming, Kind

CONVERSATION = "19:conversation-canary-8d1f@thread.v2"


def event(kind: Kind = Kind.TEXT, **fields: str) -> Incoming:
    return Incoming(Channel.WEBCHAT, CONVERSATION, kind, locale="en-GB", **fields)  # type: ignore[arg-type]


def rows(services: Services) -> list[tuple[object, ...]]:
    path = services.settings.data_dir / "meldwijzer.db"
    with sqlite3.connect(path) as db:
        return db.execute("select * from conversations").fetchall()


async def test_state_survives_between_turns(services: Services) -> None:
    handle = services.conversations.handle
    await handle(event(Kind.START))
    await handle(event(Kind.ACTION, action="topic:bystander"))
    replies = await handle(event(Kind.ACTION, action="bystander:seen:bullying"))
    assert [b.action for b in replies[0].buttons] == ["bystander:danger:yes", "bystander:danger:no"]
    assert replies[0].lang == "en", "the platform locale picks the first language"


async def test_the_platform_id_is_never_stored(services: Services) -> None:
    await services.conversations.handle(event(Kind.START))
    await services.conversations.handle(event(text="wat doet een vertrouwenspersoon"))
    (row,) = rows(services)
    assert CONVERSATION not in repr(row)
    assert row[0] == services.store.key(event())
    raw = (services.settings.data_dir / "meldwijzer.db").read_bytes()
    assert CONVERSATION.encode() not in raw
    assert b"vertrouwenspersoon" not in raw, "message text is never stored"


async def test_keys_differ_per_channel(services: Services) -> None:
    teams = Incoming(Channel.TEAMS, CONVERSATION, Kind.START)
    assert services.store.key(teams) != services.store.key(event())


async def test_bad_input_changes_nothing(services: Services) -> None:
    await services.conversations.handle(event(Kind.ACTION, action="topic:bystander"))
    before = rows(services)
    await services.conversations.handle(event(Kind.ACTION, action="bystander:nonsense"))
    await services.conversations.handle(event(text="x" * 5000))
    assert rows(services) == before


async def test_expired_conversation_starts_afresh(services: Services) -> None:
    later = datetime.now(UTC) + timedelta(days=1)
    await services.conversations.handle(event(Kind.ACTION, action="topic:bystander"))
    session = await services.store.load(services.store.key(event()), later)
    assert session is None
    assert await services.store.purge_expired(later) == 1
    assert rows(services) == []


async def test_storage_failure_gives_an_apology_and_no_stack_trace(services: Services) -> None:
    await services.close()
    (services.settings.data_dir / "meldwijzer.db").write_bytes(b"this is not a database" * 100)
    replies = await services.conversations.handle(event(text="hello"))
    assert len(replies) == 1
    assert "went wrong" in replies[0].text or "ging" in replies[0].text
    assert "Traceback" not in replies[0].text


async def test_clock_is_injected(services: Services) -> None:
    frozen = datetime(2026, 1, 1, tzinfo=UTC)
    s = services
    service = build_conversations(s.settings, s.knowledge, s.store, s.signals, lambda: frozen)
    await service.handle(event(Kind.START))
    assert len(rows(services)) == 1
    with sqlite3.connect(services.settings.data_dir / "meldwijzer.db") as db:
        (expires_at,) = db.execute("select expires_at from conversations").fetchone()
    assert str(expires_at).startswith("2026-01-01 02:00"), "expiry: clock + one hour, rounded up"
