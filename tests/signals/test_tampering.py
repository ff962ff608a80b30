"""Changing sealed rows behind the bot's back: the adviser gets a clear 'damaged', no crash."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import Services
from tests.signals.conftest import (
    SIGNAL_TABLES,
    Desk,
    add_to_thread,
    adviser_in_teams,
    all_text,
    read_thread,
    signal_ids,
    snapshot,
    submit_signal,
    t,
)


def database(services: Services) -> Path:
    return services.settings.data_dir / "meldwijzer.db"


def flip_a_byte(db: sqlite3.Connection, signal_id: str) -> None:
    (sealed,) = db.execute(
        "SELECT sealed FROM signal_messages WHERE signal_id = ? AND sequence = 0", (signal_id,)
    ).fetchone()
    changed = bytearray(sealed)
    changed[len(changed) // 2] ^= 0x01
    db.execute(
        "UPDATE signal_messages SET sealed = ? WHERE signal_id = ? AND sequence = 0",
        (bytes(changed), signal_id),
    )


def swap_wraps(db: sqlite3.Connection, signal_id: str) -> None:
    other, mine = db.execute(
        "SELECT signal_id, sealed FROM signal_wraps ORDER BY signal_id = ?", (signal_id,)
    ).fetchall()
    db.execute("UPDATE signal_wraps SET sealed = ? WHERE signal_id = ?", (other[1], mine[0]))
    db.execute("UPDATE signal_wraps SET sealed = ? WHERE signal_id = ?", (mine[1], other[0]))


def swap_sequences(db: sqlite3.Connection, signal_id: str) -> None:
    for old, new in ((1, -1), (2, 1), (-1, 2)):
        db.execute(
            "UPDATE signal_messages SET sequence = ? WHERE signal_id = ? AND sequence = ?",
            (new, signal_id, old),
        )


async def two_signals_with_threads(services: Services) -> tuple[Desk, str, str]:
    desk = await adviser_in_teams(services, "aad-tamper")
    first = await submit_signal(services, what="Canary-Text-g1")
    await add_to_thread(first.person, first.receipt, "Canary-Text-g2")
    await submit_signal(services, what="Canary-Text-g3")
    await desk.unlock()
    (target,) = [s for s in await signal_ids(services) if await _has_thread(services, s)]
    await desk.write(target, "Canary-Text-g4")
    (other,) = [s for s in await signal_ids(services) if s != target]
    return desk, target, other


async def _has_thread(services: Services, signal_id: str) -> bool:
    async with services.sessions() as db:
        query = text("SELECT count(*) FROM signal_messages WHERE signal_id = :s")
        return int((await db.execute(query, {"s": signal_id})).scalar_one()) > 1


@pytest.mark.parametrize(
    "tamper", [flip_a_byte, swap_wraps, swap_sequences], ids=["flip", "wrap", "sequence"]
)
async def test_tampered_rows_give_a_clear_damaged_reply(
    services: Services, tamper: Callable[[sqlite3.Connection, str], None]
) -> None:
    desk, target, other = await two_signals_with_threads(services)
    with contextlib.closing(sqlite3.connect(database(services))) as db, db:
        tamper(db, target)
    before = await snapshot(services, *SIGNAL_TABLES, "audit_log")
    replies = await desk.open(target)
    assert all_text(replies) == t("adviser.damaged")
    assert "Traceback" not in all_text(replies) and "Canary-Text" not in all_text(replies)
    assert await snapshot(services, *SIGNAL_TABLES, "audit_log") == before
    if tamper is not swap_wraps:
        assert "Canary-Text-g3" in all_text(await desk.open(other)), "the rest stays readable"


async def test_the_reporter_of_a_tampered_signal_gets_the_generic_answer(
    services: Services,
) -> None:
    sent = await submit_signal(services)
    (signal_id,) = await signal_ids(services)
    with contextlib.closing(sqlite3.connect(database(services))) as db, db:
        flip_a_byte(db, signal_id)
    before = await snapshot(services)
    assert all_text(await read_thread(sent.person, sent.receipt)) == t("follow_up.not_found")
    assert await snapshot(services) == before
