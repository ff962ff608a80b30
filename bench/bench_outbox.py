"""Outbox throughput, and what writing a notice adds to the transaction that causes it.

Throughput: ``--notices`` due notices are delivered over HTTP to a fake receiver on
127.0.0.1 (``tests.outbox.fakes.ReceivingFake``) by worker processes
(``tests.outbox.worker_process``, the real ``OutboxWorker`` with a fixed composer): one and
two workers on PostgreSQL, one on SQLite (which runs one worker in the server). The clock
runs from the moment all workers are told to go until the last one has nothing left.
Baseline in the same run and database: as many plain one-row inserts, each committed.

Cost at intake: a transaction inserting a signal row, with and without ``Outbox.tell`` in
it (one notice row and one item, as a submission writes), on both databases.

PostgreSQL comes from ``--database-url`` or ``MELDWIJZER_TEST_DATABASE_URL``; every table in
that database is dropped first. Without one, only SQLite is measured.

Run: ``.venv/bin/python -m bench.bench_outbox [--notices 1000] [--write bench/RESULTS.md]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from aiohttp.test_utils import TestServer
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bot.models  # noqa: E402, F401  (every table, so dropping them all works)
from bench.results import machine_line, write_section  # noqa: E402
from bot import migrate  # noqa: E402
from bot.app import build_services  # noqa: E402
from bot.db import create_engine, session_factory, sqlite_url  # noqa: E402
from bot.outbox.enqueue import Outbox  # noqa: E402
from bot.outbox.models import NEW_SIGNAL  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.signals.content import SignalContent  # noqa: E402
from bot.signals.models import SignalRow  # noqa: E402
from bot.signals.registry import NewAdviser  # noqa: E402
from tests.outbox.fakes import ReceivingFake, queue  # noqa: E402
from tests.outbox.worker_process import spawn  # noqa: E402
from tests.signals.conftest import drop_everything  # noqa: E402

TELL_ROUNDS = 200
SUBMIT_ROUNDS = 60
PRODUCTION_KIB = Settings.model_fields["kdf_memory_kib"].default


async def fresh_postgres(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(drop_everything)
    await engine.dispose()


async def throughput(url: str, workers: int, notices: int) -> tuple[float, float]:
    """Notices per second through ``workers`` processes, and plain inserts per second."""
    engine = create_engine(url)
    await migrate.upgrade(engine)
    sessions = session_factory(engine)
    for _ in range(notices // 100):
        await queue(sessions, 100, datetime.now(UTC) - timedelta(minutes=1))
    fake = ReceivingFake()
    server = TestServer(fake.app(), host="127.0.0.1", port=0)
    await server.start_server()
    receiver = str(server.make_url("")).rstrip("/")
    processes = [await spawn(url, receiver) for _ in range(workers)]
    start = time.perf_counter()
    for process in processes:
        assert process.stdin is not None
        process.stdin.write(b"go\n")
        await process.stdin.drain()
    for process in processes:
        await process.communicate()
    elapsed = time.perf_counter() - start
    await server.close()
    if len(fake.requests) != notices or len(set(fake.requests)) != notices:
        raise SystemExit(f"{len(fake.requests)} deliveries for {notices} notices")
    async with engine.begin() as db:
        await db.execute(text("DROP TABLE IF EXISTS plain"))
        await db.execute(text("CREATE TABLE plain (id VARCHAR(32) PRIMARY KEY, body TEXT)"))
    start = time.perf_counter()
    for _ in range(notices):
        async with engine.begin() as db:
            await db.execute(
                text("INSERT INTO plain (id, body) VALUES (:id, :body)"),
                {"id": secrets.token_hex(16), "body": "x" * 64},
            )
    inserts = notices / (time.perf_counter() - start)
    async with engine.begin() as db:
        await db.execute(text("DROP TABLE plain"))
    await engine.dispose()
    return notices / elapsed, inserts


async def intake_cost(url: str | None, folder: Path) -> tuple[list[float], list[float]]:
    """Milliseconds of a signal-row transaction without and with ``Outbox.tell`` in it."""
    settings = Settings(  # type: ignore[call-arg]
        data_dir=folder,
        kdf_memory_kib=64,
        kdf_iterations=1,
        demo_adviser=False,
        database_url=url,
        secret="bench-secret-" + "x" * 40,
    )
    services = build_services(settings)
    await migrate.upgrade(services.engine)
    adviser = await services.signals.registry.add(NewAdviser(name="bench adviser"))
    outbox = services.signals.outbox

    async def submit(tell: bool) -> float:
        signal_id = secrets.token_hex(16)
        start = time.perf_counter()
        async with services.sessions.begin() as db:
            db.add(
                SignalRow(
                    id=signal_id,
                    public_key=secrets.token_bytes(32),
                    receipt_wrap=secrets.token_bytes(80),
                    created_on=date.today(),
                    adviser_id=adviser.id,
                )
            )
            if tell:
                await db.flush()
                await outbox.tell(db, adviser, NEW_SIGNAL, signal_id, "0", datetime.now(UTC))
        return (time.perf_counter() - start) * 1000

    without, with_tell = [], []
    for _ in range(TELL_ROUNDS):  # interleaved, so both see the same disk and cache
        without.append(await submit(False))
        with_tell.append(await submit(True))
    await services.close()
    services.signals.kdf_pool.close()
    return without, with_tell


class SilentOutbox(Outbox):
    """The same intake, its notice left out: the baseline of a whole submission."""

    async def tell(self, *args: object, **kwargs: object) -> None:
        return None


async def submission_cost(
    url: str | None, folder: Path, memory_kib: int
) -> tuple[list[float], list[float]]:
    """Milliseconds of a whole ``SignalIntake.submit`` (Argon2id, seal, store) without and
    with its notice, interleaved, at the given Argon2id memory."""
    settings = Settings(  # type: ignore[call-arg]
        data_dir=folder,
        kdf_memory_kib=memory_kib,
        kdf_iterations=1,
        demo_adviser=False,
        database_url=url,
        secret="bench-secret-" + "x" * 40,
        signals_per_minute=100000,
        signals_burst=100000,
    )
    services = build_services(settings)
    await migrate.upgrade(services.engine)
    for n in range(3):
        adviser = await services.signals.registry.add(NewAdviser(name=f"bench adviser {n}"))
        await services.signals.registry.enrol(adviser.id, "bench-passphrase-long-enough")
    intake = services.signals.intake
    real = services.signals.outbox
    silent = SilentOutbox(real.schedule, ())
    content = SignalContent(what="Tijdens het overleg maakte iemand een opmerking. " * 12)

    async def submit(outbox: Outbox) -> float:
        intake._outbox = outbox  # the benchmark swaps only the notice
        start = time.perf_counter()
        await intake.submit(content)
        return (time.perf_counter() - start) * 1000

    without, with_notice = [], []
    for _ in range(SUBMIT_ROUNDS):
        without.append(await submit(silent))
        with_notice.append(await submit(real))
    await services.close()
    services.signals.kdf_pool.close()
    return without, with_notice


def p95(samples: list[float]) -> float:
    return sorted(samples)[int(len(samples) * 0.95) - 1]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notices", type=int, default=1000)
    parser.add_argument("--database-url", default=os.environ.get("MELDWIJZER_TEST_DATABASE_URL"))
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    rows = [
        "| database | workers | notices/s | plain inserts/s | × baseline |",
        "|---|---:|---:|---:|---:|",
    ]
    added: list[str] = []
    rates: dict[tuple[str, int], float] = {}
    costs = [
        "| database | without tell: median ms | with tell: median ms | p95 ms | ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    submissions = [
        "| database | Argon2id KiB | without notice: median ms | with notice: median ms "
        "| p95 ms | ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory() as folder:
        runs: list[tuple[str, str | None, int]] = [("SQLite", None, 1)]
        if args.database_url:
            runs += [("PostgreSQL", args.database_url, 1), ("PostgreSQL", args.database_url, 2)]
        for name, url, workers in runs:
            if url:
                await fresh_postgres(url)
            data = Path(folder) / f"{name}-{workers}"
            data.mkdir()
            rate, inserts = await throughput(url or sqlite_url(data), workers, args.notices)
            rows.append(
                f"| {name} | {workers} | {rate:.0f} | {inserts:.0f} | {rate / inserts:.2f} |"
            )
            rates[(name, workers)] = rate
            print(rows[-1], flush=True)
        for name, url in [("SQLite", None)] + (
            [("PostgreSQL", args.database_url)] if args.database_url else []
        ):
            if url:
                await fresh_postgres(url)
            data = Path(folder) / f"tell-{name}"
            without, with_tell = await intake_cost(url, data)
            plain, told = statistics.median(without), statistics.median(with_tell)
            costs.append(
                f"| {name} | {plain:.2f} | {told:.2f} | {p95(with_tell):.2f} | {told / plain:.2f} |"
            )
            added.append(f"{name} {told - plain:.1f} ms")
            print(costs[-1], flush=True)
            for kib in (64, PRODUCTION_KIB):
                if url:
                    await fresh_postgres(url)
                data = Path(folder) / f"submit-{name}-{kib}"
                plain_ms, noticed_ms = await submission_cost(url, data, kib)
                plain, told = statistics.median(plain_ms), statistics.median(noticed_ms)
                submissions.append(
                    f"| {name} | {kib} | {plain:.2f} | {told:.2f} | {p95(noticed_ms):.2f} "
                    f"| {told / plain:.2f} |"
                )
                print(submissions[-1], flush=True)
        if args.database_url:
            await fresh_postgres(args.database_url)
    scaling = ""
    if ("PostgreSQL", 2) in rates:
        ratio = rates[("PostgreSQL", 2)] / rates[("PostgreSQL", 1)]
        scaling = f"Two workers on PostgreSQL delivered {ratio:.1f}× the notices/s of one. "
    if args.write:
        intro = [
            f"Measured {date.today().isoformat()} on {machine_line()}; {args.notices} due "
            "notices per run, delivered over HTTP to a fake receiver on 127.0.0.1 by worker "
            "processes (batches of 20, sends of a batch side by side, one commit for the sent "
            "notices of a batch). SQLite in WAL mode with synchronous=FULL; PostgreSQL "
            "on the same machine. Baseline: as many one-row inserts, each its own "
            "transaction, in the same database and run. The receiver shares the benchmark's "
            "two cores with the workers and the database.",
            "",
            *rows,
            "",
            f"What a notice adds to the transaction that causes it: a signal row inserted "
            f"alone, and with `Outbox.tell` (one notice row, locked, and one item), "
            f"{TELL_ROUNDS} rounds each, interleaved. A real submission also runs Argon2id "
            "over the receipt (see *Sealed signals*), which this leaves out.",
            "",
            *costs,
            "",
            f"A whole submission (`SignalIntake.submit`: Argon2id over the receipt, sealing for "
            f"three advisers, the signal's rows), without and with its notice, {SUBMIT_ROUNDS} "
            "rounds each, interleaved; at a cheap Argon2id (64 KiB, to show the database part) "
            "and at the production cost.",
            "",
            *submissions,
            "",
            f"Reading: writing the notice adds {', '.join(added)} to the transaction; see "
            "the whole submission's ratio at the production Argon2id cost in the table above. "
            f"{scaling}Workers, receiver and database share the same two cores, so runs vary "
            "with other load on the machine: these figures are not how replicas on machines "
            "of their own would scale. That two workers share the queue without taking the "
            "same notice is shown by the two-replica test in `make test`, not here.",
        ]
        write_section(args.write, "Outbox", intro)


if __name__ == "__main__":
    asyncio.run(main())
