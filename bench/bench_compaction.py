"""Cost of the daily SQLite rewrite (``VACUUM`` + ``TRUNCATE`` checkpoint) at realistic sizes.

Twenty signals go through the real intake (three enrolled advisers, so three wraps each);
their rows are then copied under fresh random ids until the database holds the number of
signals asked for, each with two follow-up messages. Baseline in the same run: copying the
database file once and syncing it, the raw cost of writing the same bytes. During the
rewrite every other writer waits (SQLite's ``busy_timeout`` is 5 s).

Run: ``.venv/bin/python -m bench.bench_compaction [--rounds 3] [--write bench/RESULTS.md]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.results import machine_line, write_section
from bot.app import Services, build_services, prepare_database
from bot.compaction import rewrite_in_key_order
from bot.settings import Settings
from bot.signals.content import SignalContent
from bot.signals.registry import NewAdviser

WHAT = "Tijdens het teamoverleg maakte mijn leidinggevende opnieuw een opmerking. " * 12
PASSPHRASE = "bench-passphrase-long-enough"
TEMPLATES = 20
SIZES = (1_000, 10_000)


async def seeded(folder: Path) -> Services:
    settings = Settings(  # type: ignore[call-arg]
        data_dir=folder, kdf_memory_kib=64, kdf_iterations=1, demo_adviser=False
    )
    services = build_services(settings)
    await prepare_database(services)
    for n in range(3):
        adviser = await services.signals.registry.add(NewAdviser(name=f"adviser {n}"))
        await services.signals.registry.enrol(adviser.id, PASSPHRASE)
    content = SignalContent(what=WHAT, role="target", kinds=("racism",))
    for _ in range(TEMPLATES):
        await services.signals.intake.submit(content)
    return services


async def grow(services: Services, signals: int) -> None:
    """Copy the template signals under new random ids up to ``signals`` in all."""
    async with services.engine.begin() as db:
        have = (await db.execute(text("SELECT count(*) FROM signals"))).scalar_one()
        templates = [dict(r) for r in (await db.execute(text("SELECT * FROM signals"))).mappings()]
        template = templates[0]
        (message,) = (
            await db.execute(text("SELECT * FROM signal_messages WHERE signal_id = :id"), template)
        ).mappings()
        wraps = (
            await db.execute(text("SELECT * FROM signal_wraps WHERE signal_id = :id"), template)
        ).mappings()
        wrap_rows = [dict(w) for w in wraps]
        for _ in range(signals - have):
            sid = secrets.token_hex(16)
            row = {**template, "id": sid, "lookup_key": secrets.token_bytes(32)}
            await insert(db, "signals", row)
            for sequence in range(3):
                await insert(
                    db, "signal_messages", {**message, "signal_id": sid, "sequence": sequence}
                )
            for wrap in wrap_rows:
                await insert(db, "signal_wraps", {**wrap, "signal_id": sid})


async def insert(db: Any, table: str, row: dict[str, Any]) -> None:
    columns = ", ".join(row)
    values = ", ".join(f":{c}" for c in row)
    await db.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), row)


def copy_file(database: Path) -> None:
    target = database.with_name("copy.db")
    shutil.copyfile(database, target)
    with open(target, "rb+") as handle:
        os.fsync(handle.fileno())
    target.unlink()


async def measure(signals: int, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as name:
        services = await seeded(Path(name))
        await grow(services, signals)
        database = Path(name) / "meldwijzer.db"
        rewrite, copy = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            assert await rewrite_in_key_order(services.engine)
            rewrite.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            copy_file(database)
            copy.append((time.perf_counter() - start) * 1000)
        size = database.stat().st_size / 2**20
        await services.close()
    return {"rewrite": statistics.median(rewrite), "copy": statistics.median(copy), "mib": size}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    lines = [
        "| signals | database MiB | rewrite median ms | baseline: file copy ms | × baseline |",
        "|---:|---:|---:|---:|---:|",
    ]
    for signals in SIZES:
        found = await measure(signals, args.rounds)
        lines.append(
            f"| {signals:,} | {found['mib']:.1f} | {found['rewrite']:.0f} | "
            f"{found['copy']:.0f} | {found['rewrite'] / found['copy']:.1f} |"
        )
    print("\n".join(lines))
    if args.write:
        intro = [
            f"Measured {date.today().isoformat()} on {machine_line()}; median of {args.rounds} "
            "rewrites (`bot.compaction.rewrite_in_key_order`: checkpoint, VACUUM, TRUNCATE "
            "checkpoint) per size, SQLite (WAL, synchronous=FULL) in a temporary folder. Each "
            "signal has three messages and three adviser wraps. VACUUM needs free space of "
            "about the database's size twice: its temporary copy (in TMPDIR) and the log.",
            "",
        ]
        write_section(args.write, "Daily SQLite rewrite", intro + lines)


if __name__ == "__main__":
    asyncio.run(main())
