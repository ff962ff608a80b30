"""Rotating the server secret keeps receipts; a start that would orphan them says so."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import Services, build_services, prepare_database
from bot.errors import ConfigError
from bot.seal import KdfParams, ReceiptIndex
from bot.secret import SECRET_FILE
from bot.settings import Settings
from tests.signals.conftest import Build, all_text, read_thread, reporter, submit_signal, t

OLD = "old-secret-" + "o" * 40
NEW = "new-secret-" + "n" * 40
STRANGE = "unrelated-secret-" + "s" * 40


async def opens(services: Services, receipt: str) -> bool:
    replies = all_text(await read_thread(reporter(services), receipt))
    return t("follow_up.status_open") in replies


async def lookup_keys(services: Services) -> set[bytes]:
    async with services.sessions() as db:
        return {row[0] for row in (await db.execute(text("SELECT lookup_key FROM signals"))).all()}


async def test_a_receipt_sealed_under_the_previous_secret_opens_and_moves(build_on: Build) -> None:
    before = await build_on(secret=OLD)
    read_during, unread = await submit_signal(before), await submit_signal(before)
    await before.close()
    rotating = await build_on(secret=NEW, previous_secret=OLD)
    assert await opens(rotating, read_during.receipt)
    fresh = await submit_signal(rotating)
    assert await opens(rotating, fresh.receipt)
    index = ReceiptIndex(NEW.encode(), KdfParams(64, 1))
    moved = {index.lookup_key(read_during.receipt), index.lookup_key(fresh.receipt)}
    assert moved <= await lookup_keys(rotating)
    await rotating.close()
    after = await build_on(secret=NEW)
    assert await opens(after, read_during.receipt), "moved on its first open"
    assert await opens(after, fresh.receipt)
    # What docs/security.md warns about: drop the previous secret too early and a receipt
    # not used during the rotation no longer opens.
    assert not await opens(after, unread.receipt)


def production(tmp_path: Path, **values: object) -> Settings:
    return Settings(  # type: ignore[arg-type]
        env="production",
        data_dir=tmp_path / "data",
        public_url="https://meldwijzer.example",
        teams_enabled=False,
        **values,
    )


async def test_production_refuses_a_secret_that_would_orphan_signals(
    services: Services, tmp_path: Path
) -> None:
    await submit_signal(services)
    generated = (services.settings.data_dir / SECRET_FILE).read_text().strip()
    strange = build_services(production(tmp_path, secret=STRANGE))
    try:
        with pytest.raises(ConfigError) as refused:
            await prepare_database(strange)
    finally:
        await strange.close()
    problems = str(refused.value).splitlines()[1:]
    assert len(problems) == 1 and "MELDWIJZER_SECRET" in problems[0]
    assert "MELDWIJZER_PREVIOUS_SECRET" in problems[0]
    rotating = build_services(production(tmp_path, secret=STRANGE, previous_secret=generated))
    try:
        with pytest.raises(ConfigError, match="demo adviser"):  # the next check, not the secret
            await prepare_database(rotating)
    finally:
        await rotating.close()


async def test_development_warns_once_when_the_generated_secret_changed(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    first = build_services(settings)
    await prepare_database(first, seed_demo=True)
    await submit_signal(first)
    await first.close()
    (settings.data_dir / SECRET_FILE).unlink()
    caplog.set_level(logging.WARNING, logger="meldwijzer.secret")
    for _ in range(2):
        again = build_services(settings)
        await prepare_database(again)
        await again.close()
    warnings = [r.getMessage() for r in caplog.records if r.name == "meldwijzer.secret"]
    assert len(warnings) == 1 and "MELDWIJZER_PREVIOUS_SECRET" in warnings[0]


async def test_a_new_secret_on_an_empty_database_is_simply_taken(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    first = build_services(settings)
    await prepare_database(first)
    await first.close()
    (settings.data_dir / SECRET_FILE).unlink()
    caplog.set_level(logging.WARNING, logger="meldwijzer.secret")
    again = build_services(settings)
    await prepare_database(again)
    await again.close()
    assert [r for r in caplog.records if r.name == "meldwijzer.secret"] == []
