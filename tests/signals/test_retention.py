"""Closed signals are deleted after the retention period, ciphertext and all."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from bot.app import Services, today
from bot.retention import purge_closed_signals
from tests.signals.conftest import (
    add_to_thread,
    adviser_in_teams,
    all_text,
    closed_as,
    count,
    delete_signal,
    signal_ids,
    submit_signal,
    values,
)


async def closed_and_open(services: Services) -> tuple[str, str]:
    """Two signals with threads; the first is closed today."""
    closed = await submit_signal(services, what="Canary-Text-h1")
    await add_to_thread(closed.person, closed.receipt, "Canary-Text-h2")
    (closed_id,) = await signal_ids(services)
    await submit_signal(services, what="Canary-Text-h3")
    (open_id,) = [s for s in await signal_ids(services) if s != closed_id]
    desk = await adviser_in_teams(services, "aad-retention")
    await desk.unlock()
    assert all_text(await desk.close(closed_id, "complaint-committee")) == closed_as(
        "complaint-committee"
    )
    return closed_id, open_id


async def purge(services: Services, days_later: int) -> int:
    when = today() + timedelta(days=days_later)
    return await purge_closed_signals(services.sessions, when, services.settings.retention_days)


async def test_closed_signals_go_after_the_retention_period(services: Services) -> None:
    closed_id, open_id = await closed_and_open(services)
    retention = services.settings.retention_days
    assert await purge(services, retention - 1) == 0
    assert set(await signal_ids(services)) == {closed_id, open_id}
    assert await purge(services, retention) == 1
    assert await signal_ids(services) == [open_id]
    assert await values(services, "signal_messages", "signal_id") == [(open_id,)]
    assert {s for (s,) in await values(services, "signal_wraps", "signal_id")} == {open_id}


async def test_open_signals_stay_however_old(services: Services) -> None:
    await submit_signal(services)
    assert await purge(services, 10 * 365) == 0
    assert await count(services, "signals") == 1


def file_bytes(services: Services) -> bytes:
    folder: Path = services.settings.data_dir
    return b"".join(p.read_bytes() for p in sorted(folder.glob("meldwijzer.db*")))


async def test_deleted_ciphertext_is_gone_from_the_files(services: Services) -> None:
    closed_id, _ = await closed_and_open(services)
    async with services.sessions() as db:
        query = text("SELECT sealed FROM signal_messages WHERE signal_id = :s")
        sealed = [bytes(b) for (b,) in (await db.execute(query, {"s": closed_id})).all()]
    await services.close()  # everything written through to the main file
    assert all(blob[16:80] in file_bytes(services) for blob in sealed), "the check can fail"
    assert await purge(services, services.settings.retention_days) == 1
    await services.close()
    remaining = file_bytes(services)
    for blob in sealed:
        assert blob[16:80] not in remaining


async def test_deleted_ciphertext_is_gone_while_the_server_runs(services: Services) -> None:
    closed_id, _ = await closed_and_open(services)
    async with services.sessions() as db:
        query = text("SELECT sealed FROM signal_messages WHERE signal_id = :s")
        sealed = [bytes(b) for (b,) in (await db.execute(query, {"s": closed_id})).all()]
    assert await purge(services, services.settings.retention_days) == 1
    remaining = file_bytes(services)
    for blob in sealed:
        assert blob[16:80] not in remaining


async def test_a_reporters_own_delete_leaves_no_ciphertext_while_the_server_runs(
    services: Services,
) -> None:
    submitted = await submit_signal(services, what="Canary-Text-h4")
    (signal_id,) = await signal_ids(services)
    async with services.sessions() as db:
        query = text("SELECT sealed FROM signal_messages WHERE signal_id = :s")
        sealed = [bytes(b) for (b,) in (await db.execute(query, {"s": signal_id})).all()]
    await delete_signal(submitted.person, submitted.receipt)
    assert await signal_ids(services) == []
    remaining = file_bytes(services)
    for blob in sealed:
        assert blob[16:80] not in remaining


async def test_one_round_deletes_at_most_its_batches(services: Services) -> None:
    for n in range(3):
        await submit_signal(services, what=f"Canary-Text-b{n}")
    ids = await signal_ids(services)
    desk = await adviser_in_teams(services, "aad-batches")
    await desk.unlock()
    for signal_id in ids:
        await desk.close(signal_id, "complaint-committee")
    when = today() + timedelta(days=services.settings.retention_days)
    days = services.settings.retention_days
    assert await purge_closed_signals(services.sessions, when, days, batch=2, batches=1) == 2
    assert len(await signal_ids(services)) == 1
    assert await purge_closed_signals(services.sessions, when, days, batch=2, batches=1) == 1
    assert await signal_ids(services) == []
    assert await count(services, "signal_messages") == 0
