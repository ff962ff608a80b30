"""Receipts keep working across upgrades: of the schema (0003 → 0004) and of the KDF cost."""

from __future__ import annotations

import json
import secrets
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from bot import migrate
from bot.app import Services, build_services, prepare_database
from bot.db import create_engine, sqlite_url
from bot.seal import (
    CONTENT_SEQUENCE,
    Author,
    ReceiptIndex,
    new_receipt,
    new_signal_key,
    seal_message,
    seal_signal_key,
)
from bot.seal.kdf import TESTING, KdfParams
from bot.seal.legacy_index import LegacyReceiptIndex
from bot.secret import server_secret
from bot.settings import Settings
from bot.signals.content import SignalContent, ThreadMessage
from tests.conftest import TEST_KDF
from tests.signals.conftest import (
    POSTGRES_URL,
    all_text,
    empty_postgres,
    read_thread,
    reporter,
    submit_signal,
    t,
)

UNKNOWN_RECEIPT = "0000-0000-0000-0000-0000-0"


def upgrade_to(connection: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(Path(migrate.__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def sealed_like_0003(secret: bytes) -> tuple[str, dict[str, object], list[dict[str, object]]]:
    """A signal as the 0003 code stored it: Argon2id lookup key, deployment salt, message ids."""
    receipt = new_receipt()
    stretched = LegacyReceiptIndex(secret, TESTING).stretch(receipt.normalised)
    signal_id, key = secrets.token_hex(16), new_signal_key()
    wraps = seal_signal_key(signal_id, key, [], stretched.receipt_key(signal_id))
    content = SignalContent(what="Canary-Text-legacy0", role="target", kinds=("racism",))
    addition = ThreadMessage(text="Canary-Text-legacy1", kind="addition")
    plains = (content.to_bytes(), addition.to_bytes())
    messages: list[dict[str, object]] = [
        {
            "id": 7 + n,
            "signal_id": signal_id,
            "sequence": n,
            "author": "reporter",
            "sealed": seal_message(
                key, plain, signal_id=signal_id, sequence=n, author=Author.REPORTER
            ),
        }
        for n, plain in enumerate(plains)
    ]
    assert messages[0]["sequence"] == CONTENT_SEQUENCE
    row = {
        "id": signal_id,
        "lookup_key": stretched.lookup_key(),
        "public_key": wraps.public_key,
        "receipt_wrap": wraps.receipt_wrap,
    }
    return receipt.display(), row, messages


async def store_under_0003(data_dir: Path, url: str) -> str:
    secret = server_secret(None, data_dir)
    receipt, row, messages = sealed_like_0003(secret)
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(upgrade_to, "0003")
        await connection.execute(
            text(
                "INSERT INTO signals (id, lookup_key, public_key, receipt_wrap, status, "
                "created_on, next_sequence, reporter_seen) VALUES (:id, :lookup_key, "
                ":public_key, :receipt_wrap, 'open', :on, 2, 0)"
            ),
            {**row, "on": date(2026, 5, 4)},
        )
        for message in messages:
            await connection.execute(
                text(
                    "INSERT INTO signal_messages (id, signal_id, sequence, author, created_on, "
                    "sealed) VALUES (:id, :signal_id, :sequence, :author, :on, :sealed)"
                ),
                {**message, "on": date(2026, 5, 4)},
            )
    await engine.dispose()
    return receipt


async def scheme_of(services: Services) -> list[tuple[object, ...]]:
    async with services.sessions() as db:
        query = text("SELECT receipt_scheme, legacy_lookup_key IS NULL, lookup_key FROM signals")
        return [tuple(row) for row in (await db.execute(query)).all()]


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_a_signal_stored_under_0003_still_opens_and_moves_to_the_new_index(
    tmp_path: Path, backend: str
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    if backend == "postgres":
        await empty_postgres()
    url = POSTGRES_URL if backend == "postgres" else sqlite_url(data_dir)
    receipt = await store_under_0003(data_dir, url)
    settings = Settings(data_dir=data_dir, database_url=url, **TEST_KDF)  # type: ignore[arg-type]
    services = build_services(settings)
    try:
        await migrate.upgrade(services.engine)
        await prepare_database(services, seed_demo=True)
        ((scheme, moved, lookup),) = await scheme_of(services)
        assert (scheme, moved, lookup) == (1, False, None)
        wrong = await read_thread(reporter(services), UNKNOWN_RECEIPT)
        assert all_text(wrong) == t("follow_up.not_found"), "the old path is tried, finds nothing"
        thread = all_text(await read_thread(reporter(services), receipt))
        assert "Canary-Text-legacy1" in thread and t("follow_up.status_open") in thread
        index = ReceiptIndex(server_secret(None, data_dir), TESTING)
        assert await scheme_of(services) == [(2, True, index.lookup_key(receipt))]
        again = all_text(await read_thread(reporter(services), receipt))
        assert "Canary-Text-legacy1" in again
    finally:
        await services.close()
        if backend == "postgres":
            await empty_postgres()


async def test_raising_the_kdf_cost_never_orphans_an_old_receipt(tmp_path: Path) -> None:
    cheap = {"kdf_memory_kib": 64, "kdf_iterations": 1}
    dearer = {"kdf_memory_kib": 256, "kdf_iterations": 2}
    first = build_services(Settings(data_dir=tmp_path / "data", **cheap))  # type: ignore[arg-type]
    await prepare_database(first, seed_demo=True)
    old = await submit_signal(first)
    await first.close()
    later = build_services(Settings(data_dir=tmp_path / "data", **dearer))  # type: ignore[arg-type]
    try:
        await prepare_database(later)
        assert t("follow_up.status_open") in all_text(
            await read_thread(reporter(later), old.receipt)
        )
        new = await submit_signal(later)
        assert t("follow_up.status_open") in all_text(
            await read_thread(reporter(later), new.receipt)
        )
        async with later.sessions() as db:
            stored = {
                json.dumps(json.loads(kdf), sort_keys=True)
                for (kdf,) in (await db.execute(text("SELECT receipt_kdf FROM signals"))).all()
            }
        expected = {
            json.dumps(
                KdfParams(p["kdf_memory_kib"], p["kdf_iterations"]).to_dict(), sort_keys=True
            )
            for p in (cheap, dearer)
        }
        assert stored == expected
    finally:
        await later.close()
