"""The audit chain: appended under a lock, keyed with a server key, checked against its head."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.app import Services
from bot.cli import main
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


def rechain_with_sha256(database: Path) -> None:
    """What an attacker with write access but without the server key can do: recompute the
    plain SHA-256 digests (the old scheme) after deleting a row."""
    with contextlib.closing(sqlite3.connect(database)) as db, db:
        db.execute("DELETE FROM audit_log WHERE id = 3")
        previous = "0" * 64
        rows = db.execute(
            'SELECT id, "on", adviser_id, action, signal_id FROM audit_log ORDER BY id'
        ).fetchall()
        for row_id, on, adviser_id, action, signal_id in rows:
            fields = (previous, on, adviser_id, action, signal_id)
            digest = hashlib.sha256("\x1f".join(fields).encode()).hexdigest()
            db.execute(
                "UPDATE audit_log SET previous = ?, digest = ? WHERE id = ?",
                (previous, digest, row_id),
            )
            previous = digest
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
