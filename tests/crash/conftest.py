"""One crash run for the whole folder: its setup, the server's settings, the SMTP sink.

The run is long (a few hundred signals, a dozen restarts), so it happens once and every
test in tests/crash/ asserts on its outcome. The server's settings are the development
ones, with the low Argon2id cost of the other tests and the per-process limits on new
signals and conversations raised, so the reporters are never told "busy".
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.app import build_services, prepare_database
from bot.seal import KdfParams, ReceiptIndex
from bot.settings import Settings
from bot.signals.models import AdviserRow
from bot.signals.registry import NewAdviser
from tests.conftest import TEST_KDF
from tests.crash.crash_run import CrashPlan, CrashRun
from tests.crash.notice_rows import read_notice_rows
from tests.crash.serve_process import ServeProcess, free_port
from tests.crash.smtp_sink import SmtpSink

PASSPHRASE = "crash-test-passphrase-4d1e-long"
ADVISER_EMAIL = "vertrouwenspersoon@example.test"  # example.test never resolves (RFC 2606)
NOTICES_SETTLE_SECONDS = 60.0


def plan() -> CrashPlan:
    # The kill moments are drawn from this seed; a failure names it, CRASH_SEED=… replays
    # the same moments (the requests in flight at each one still vary with the machine).
    seed = int(os.environ.get("CRASH_SEED") or secrets.randbelow(10**9))
    return CrashPlan(signals=200, kills=5, reporters=4, alive_seconds=(1.5, 5.0), seed=seed)


def server_env(data_dir: Path, secret: str) -> dict[str, str]:
    return {
        "MELDWIJZER_DATA_DIR": str(data_dir),
        "MELDWIJZER_SECRET": secret,
        "MELDWIJZER_KDF_MEMORY_KIB": str(TEST_KDF["kdf_memory_kib"]),
        "MELDWIJZER_KDF_ITERATIONS": str(TEST_KDF["kdf_iterations"]),
        "MELDWIJZER_DEMO_ADVISER": "false",
        "MELDWIJZER_TEAMS_ENABLED": "false",
        "MELDWIJZER_SIGNALS_PER_MINUTE": "100000",
        "MELDWIJZER_SIGNALS_BURST": "100000",
        "MELDWIJZER_NEW_CONVERSATIONS_PER_MINUTE": "100000",
        "MELDWIJZER_NEW_CONVERSATIONS_BURST": "100000",
        "MELDWIJZER_RECEIPT_ATTEMPTS_PER_CONVERSATION": "1000",
        "MELDWIJZER_KDF_WAIT_SECONDS": "60",  # a loaded machine queues, never answers busy
        # Notices every 2 s; a killed worker's lease back in 3 s, retries within seconds.
        "MELDWIJZER_NOTICE_EVERY_SECONDS": "2",
        "MELDWIJZER_OUTBOX_LEASE_SECONDS": "3",
        "MELDWIJZER_OUTBOX_POLL_SECONDS": "0.5",
        "MELDWIJZER_OUTBOX_BACKOFF_BASE_SECONDS": "0.5",
        "MELDWIJZER_OUTBOX_BACKOFF_MAX_SECONDS": "2",
    }


def smtp_env(port: int) -> dict[str, str]:
    return {
        "MELDWIJZER_SMTP_HOST": "127.0.0.1",
        "MELDWIJZER_SMTP_PORT": str(port),
        "MELDWIJZER_SMTP_SECURITY": "none",  # allowed in development only
        "MELDWIJZER_SMTP_FROM": "meldwijzer@example.test",
    }


async def add_adviser(settings: Settings) -> None:
    """The one adviser every signal is sealed to, with an e-mail address for notices."""
    services = build_services(settings)
    try:
        await prepare_database(services)
        registry = services.signals.registry
        adviser = await registry.add(NewAdviser(name="Crash Adviseur", languages=("nl",)))
        await registry.enrol(adviser.id, PASSPHRASE)
        async with services.sessions.begin() as db:
            await db.execute(
                update(AdviserRow).where(AdviserRow.id == adviser.id).values(email=ADVISER_EMAIL)
            )
    finally:
        await services.close()
        services.signals.kdf_pool.close()


@dataclass(frozen=True, slots=True)
class CrashOutcome:
    run: CrashRun
    settings: Settings  # the server's, for opening the same database in the test process
    smtp: SmtpSink  # the receiving side of the notices


@pytest.fixture(scope="package")
def crash_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrashOutcome]:
    root = tmp_path_factory.mktemp("crash")
    data_dir = root / "data"
    secret = secrets.token_urlsafe(36)
    settings = Settings(
        data_dir=data_dir,
        secret=secret,  # type: ignore[arg-type]
        demo_adviser=False,
        receipt_attempts_per_conversation=1000,
        **TEST_KDF,  # type: ignore[arg-type]
    )
    asyncio.run(add_adviser(settings))
    env = server_env(data_dir, secret)
    with ExitStack() as stack:
        sink = stack.enter_context(SmtpSink(free_port()))
        env |= smtp_env(sink.port)
        server = ServeProcess(env, free_port(), root / "serve.log")
        stack.callback(server.stop)
        kdf = KdfParams(TEST_KDF["kdf_memory_kib"], TEST_KDF["kdf_iterations"])
        index = ReceiptIndex(secret.encode(), kdf)
        run = CrashRun(server, data_dir / "meldwijzer.db", index, advisers=1, plan=plan())
        asyncio.run(run.drive())
        wait_for_notices(run.db_file)
        server.stop()
        run.check_rows("after the last stop")
        yield CrashOutcome(run, settings, sink)


def wait_for_notices(db_file: Path) -> None:
    deadline = time.monotonic() + NOTICES_SETTLE_SECONDS
    while time.monotonic() < deadline and not read_notice_rows(db_file).settled():
        time.sleep(0.5)
