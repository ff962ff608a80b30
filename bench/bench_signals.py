"""Cost of taking in one signal (seal + store + index) and of a reporter's follow-up look-up.

Runs the real services on a temporary SQLite file, with three enrolled advisers, once with
Argon2id at the production cost and once at a trivial cost (which shows the cost without
the KDF). Baseline in the same run: storing and reading a plaintext row of the same size
in the same database, without any cryptography.

Run: ``.venv/bin/python -m bench.bench_signals [--rounds 30] [--write bench/RESULTS.md]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from sqlalchemy import text

from bench.results import machine_line, write_section
from bot.app import build_services, prepare_database
from bot.settings import Settings
from bot.signals.content import SignalContent
from bot.signals.registry import NewAdviser

WHAT = "Tijdens het teamoverleg maakte mijn leidinggevende opnieuw een opmerking. " * 12
PASSPHRASE = "bench-passphrase-long-enough"


async def timed(action: Callable[[], Awaitable[object]], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def scenario(memory_kib: int, rounds: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(  # type: ignore[call-arg]
            data_dir=Path(folder), kdf_memory_kib=memory_kib, kdf_iterations=1, demo_adviser=False
        )
        services = build_services(settings)
        await prepare_database(services)
        for n in range(3):
            adviser = await services.signals.registry.add(NewAdviser(name=f"adviser {n}"))
            await services.signals.registry.enrol(adviser.id, PASSPHRASE)
        content = SignalContent(what=WHAT, role="target", kinds=("racism",))
        receipts: list[str] = []

        async def submit() -> None:
            receipts.append((await services.signals.intake.submit(content)).display())

        async def follow_up() -> None:
            await services.signals.follow_up.read(receipts[-1], "bench")

        async with services.engine.begin() as db:
            await db.execute(text("create table plain (id integer primary key, body text)"))

        async def plain_write() -> None:
            async with services.engine.begin() as db:
                await db.execute(text("insert into plain (body) values (:b)"), {"b": WHAT})

        async def plain_read() -> None:
            async with services.engine.connect() as db:
                await db.execute(text("select body from plain order by id desc limit 1"))

        results = {
            "submit (seal, store, index)": await timed(submit, rounds),
            "follow-up read (index, unwrap, open)": await timed(follow_up, rounds),
            "baseline: plaintext insert": await timed(plain_write, rounds),
            "baseline: plaintext read": await timed(plain_read, rounds),
        }
        await services.engine.dispose()
        return results


def table(all_results: dict[str, dict[str, list[float]]]) -> list[str]:
    lines = ["| KDF | operation | median ms | p95 ms | × baseline |", "|---|---|---:|---:|---:|"]
    for kdf, results in all_results.items():
        base_write = statistics.median(results["baseline: plaintext insert"])
        base_read = statistics.median(results["baseline: plaintext read"])
        for name, samples in results.items():
            median = statistics.median(samples)
            p95 = sorted(samples)[int(len(samples) * 0.95) - 1]
            base = base_read if "read" in name else base_write
            lines.append(f"| {kdf} | {name} | {median:.2f} | {p95:.2f} | {median / base:.1f} |")
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    all_results = {
        "Argon2id 46 MiB × 1 (production)": await scenario(47104, args.rounds),
        "Argon2id 64 KiB × 1 (≈ without KDF)": await scenario(64, args.rounds),
    }
    lines = table(all_results)
    print("\n".join(lines))
    if args.write:
        intro = [
            f"Measured {date.today().isoformat()} on {machine_line()}; {args.rounds} rounds "
            "each, SQLite (WAL, synchronous=FULL) in a temporary folder, three enrolled "
            "advisers. The KDF is Argon2id over the receipt (index and receipt key) and, for "
            "the intake, nothing else: advisers' keys are not unlocked to seal.",
            "",
        ]
        write_section(args.write, "Sealed signals", intro + lines)


if __name__ == "__main__":
    asyncio.run(main())
