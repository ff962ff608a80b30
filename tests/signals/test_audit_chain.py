"""The audit chain: appended under a lock, keyed with a server key, checked against its head."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic import command

from bot import migrate
from bot.app import Services, build_services, prepare_database
from bot.cli import main
from bot.db import create_engine, sqlite_url
from bot.settings import Settings
from tests.conftest import TEST_KDF
from tests.signals.conftest import adviser_in_teams, all_text, signal_ids, submit_signal

OPENS = 30


def audit_cli(services: Services, monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[int, str]:
    """``meldwijzer audit …`` run as the admin would, against the services' database."""
    settings = services.settings
    monkeypatch.setenv("MELDWIJZER_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("MELDWIJZER_KDF_MEMORY_KIB", str(TEST_KDF["kdf_memory_kib"]))
    if settings.database_url:
        monkeypatch.setenv("MELDWIJZER_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("MELDWIJZER_DATABASE_URL", raising=False)
    if settings.secret:
        monkeypatch.setenv("MELDWIJZER_SECRET", settings.secret.get_secret_value())
    else:
        monkeypatch.delenv("MELDWIJZER_SECRET", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(["audit", *argv])
    return code, out.getvalue()


async def verify(
    services: Services, monkeypatch: pytest.MonkeyPatch, *argv: str
) -> tuple[int, str]:
    # The CLI runs its own event loop; give it a thread of its own.
    return await asyncio.to_thread(audit_cli, services, monkeypatch, "verify", *argv)


async def head(services: Services, monkeypatch: pytest.MonkeyPatch) -> str:
    code, out = await asyncio.to_thread(audit_cli, services, monkeypatch, "head")
    assert code == 0, out
    return out


async def test_concurrent_opens_leave_an_intact_chain(
    any_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = any_services
    await submit_signal(services, what="Canary-Text-au1")
    desk = await adviser_in_teams(services, "aad-audit-race")
    await desk.unlock()
    (signal_id,) = await signal_ids(services)
    opened = await asyncio.gather(*(desk.open(signal_id) for _ in range(OPENS)))
    assert all("Canary-Text-au1" in all_text(replies) for replies in opened)
    code, out = await verify(services, monkeypatch)
    assert code == 0, out
    assert f"intact: {OPENS + 1} rows" in out


async def audited_sqlite(services: Services, opens: int = 4) -> Path:
    await submit_signal(services)
    desk = await adviser_in_teams(services, "aad-audit-cut")
    await desk.unlock()
    (signal_id,) = await signal_ids(services)
    for _ in range(opens):
        await desk.open(signal_id)
    return services.settings.data_dir / "meldwijzer.db"


def chain_with_sha256(db: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> str:
    """Chain ``rows`` (id, on, adviser, action, signal) with plain SHA-256; returns the head."""
    previous = "0" * 64
    for row_id, on, adviser_id, action, signal_id in rows:
        fields = (previous, on, adviser_id, action, signal_id)
        digest = hashlib.sha256("\x1f".join(fields).encode()).hexdigest()
        db.execute(
            "UPDATE audit_log SET previous = ?, digest = ? WHERE id = ?",
            (previous, digest, row_id),
        )
        previous = digest
    return previous


def rechain_with_sha256(database: Path) -> None:
    """What an attacker with write access but without the server key can do: recompute the
    plain SHA-256 digests (the old scheme) after deleting a row."""
    with contextlib.closing(sqlite3.connect(database)) as db, db:
        db.execute("DELETE FROM audit_log WHERE id = 3")
        rows = db.execute(
            'SELECT id, "on", adviser_id, action, signal_id FROM audit_log ORDER BY id'
        ).fetchall()
        previous = chain_with_sha256(db, rows)
        with contextlib.suppress(sqlite3.OperationalError):  # the head table, where it exists
            db.execute(
                "UPDATE audit_head SET rows = ?, digest = ? WHERE id = 1", (len(rows), previous)
            )


async def test_a_deleted_row_with_recomputed_digests_is_detected(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = await audited_sqlite(services)
    code, out = await verify(services, monkeypatch)
    assert code == 0, out
    rechain_with_sha256(database)
    code, out = await verify(services, monkeypatch)
    assert code == 1, out
    assert "BROKEN" in out


async def test_a_cut_tail_is_detected_against_an_exported_head(
    services: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = await audited_sqlite(services)
    exported = tmp_path / "audit-head.txt"
    exported.write_text(await head(services, monkeypatch))
    code, out = await verify(services, monkeypatch, "--head", str(exported))
    assert code == 0, out
    with contextlib.closing(sqlite3.connect(database)) as db, db:
        db.execute("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
        # A careful attacker also points the stored head at the new end.
        last = db.execute("SELECT digest FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0]
        db.execute("UPDATE audit_head SET rows = rows - 1, digest = ? WHERE id = 1", (last,))
    code, out = await verify(services, monkeypatch)
    assert code == 0, "without the exported head a cut tail cannot show"
    code, out = await verify(services, monkeypatch, "--head", str(exported))
    assert code == 1, out
    assert "fewer rows" in out
    digest_only = exported.read_text().split("digest=")[1].split()[0]
    code, out = await verify(services, monkeypatch, "--head", digest_only)
    assert code == 1, out


async def test_a_cut_tail_shows_against_the_stored_head(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = await audited_sqlite(services)
    with contextlib.closing(sqlite3.connect(database)) as db, db:
        db.execute("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
    code, out = await verify(services, monkeypatch)
    assert code == 1, out


async def test_rows_from_before_the_keyed_chain_stay_anchored(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.data_dir.mkdir(parents=True)
    engine = create_engine(sqlite_url(settings.data_dir))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: command.upgrade(migrate._config(sync), "0003"))
        database = settings.data_dir / "meldwijzer.db"
        write_legacy_chain(database, rows=3)
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
    services = build_services(settings)
    try:
        await prepare_database(services, seed_demo=True)
        code, out = await verify(services, monkeypatch)
        assert code == 0 and "intact: 3 rows" in out, out
        await audited_sqlite(services, opens=1)
        code, out = await verify(services, monkeypatch)
        assert code == 0 and "intact: 5 rows" in out, out
        # Rewriting the old rows (plain SHA-256, no key needed) breaks the first keyed row.
        with contextlib.closing(sqlite3.connect(database)) as db, db:
            db.execute("DELETE FROM audit_log WHERE id = 2")
        write_legacy_chain(database, rows=0)
        code, out = await verify(services, monkeypatch)
        assert code == 1 and "BROKEN at row 4" in out, out
    finally:
        await services.close()


def write_legacy_chain(database: Path, rows: int) -> None:
    """Rows as the SHA-256 chain wrote them (``rows`` new ones), or re-chain the old ones."""
    with contextlib.closing(sqlite3.connect(database)) as db, db:
        for n in range(rows):
            db.execute(
                'INSERT INTO audit_log ("on", adviser_id, action, signal_id, previous, digest)'
                " VALUES ('2026-01-0' || ?, 'old-adviser', 'open', 'old-signal', '', ?)",
                (n + 1, f"placeholder-{n}"),
            )
        legacy = db.execute(
            'SELECT id, "on", adviser_id, action, signal_id FROM audit_log'
            + (" WHERE version = 1" if rows == 0 else "")
            + " ORDER BY id"
        ).fetchall()
        chain_with_sha256(db, legacy)
