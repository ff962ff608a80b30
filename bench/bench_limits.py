"""What the shared turn limit costs: in process memory, and through SQLite or PostgreSQL.

The check, ``--checks`` times one after another (cost per check, the median of
``--rounds`` rounds) and from 10 tasks at once (checks per second): a web chat turn
counted for one of 1,000 conversations (``TurnRateLimiter`` in memory, ``SharedTurnLimit``
in ``rate_windows``), with a limit so wide that every check succeeds (the write path), on
the app's pool and on the relaxed pool that the app's turns use (``LimitWrites.own_pool``
makes one: ``bot.db.create_relaxed_engine``). The buckets of new
conversations and signals stay in each process (bot/throttle.py says why).
The in-memory checks are the baseline measured in the same run.

PostgreSQL comes from ``--database-url`` (every table in it is dropped first, then the
migrations run); without one, only SQLite (a fresh file in a temporary folder) is measured.

Run: ``.venv/bin/python -m bench.bench_limits [--database-url URL] [--write bench/RESULTS.md]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bot.models  # noqa: E402, F401  (every table, so dropping them all works)
from adapters.webchat.rate_limit import TurnRateLimiter  # noqa: E402
from bench.results import machine_line, write_section  # noqa: E402
from bot import migrate  # noqa: E402
from bot.db import Base, create_engine, sqlite_url  # noqa: E402
from bot.limits import LimitWrites, SharedTurnLimit  # noqa: E402

SECRET = b"bench-secret-" + b"0" * 40
CONVERSATIONS = 1_000
WIDE = 10**9
TASKS = 10
Check = Callable[[int], Awaitable[bool]]


def in_memory() -> dict[str, Check]:
    turns = TurnRateLimiter(max_turns=WIDE, max_tracked=CONVERSATIONS * 2)
    return {"turn": lambda n: turns.allow(f"conversation-{n % CONVERSATIONS}")}


def shared(writes: LimitWrites) -> dict[str, Check]:
    turns = SharedTurnLimit(writes, SECRET, most=WIDE)
    return {"turn": lambda n: turns.allow(f"conversation-{n % CONVERSATIONS}")}


async def per_check(check: Check, checks: int, rounds: int) -> float:
    """Median seconds per check, one after another."""
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        for n in range(checks):
            assert await check(n)
        times.append((time.perf_counter() - began) / checks)
    return statistics.median(times)


async def per_second(check: Check, checks: int) -> float:
    """Checks per second from ``TASKS`` tasks at once."""

    async def task(first: int) -> None:
        for n in range(first, checks, TASKS):
            assert await check(n)

    began = time.perf_counter()
    await asyncio.gather(*(task(n) for n in range(TASKS)))
    return checks / (time.perf_counter() - began)


async def measure(
    checks: dict[str, Check], count: int, rounds: int
) -> dict[str, tuple[float, float]]:
    for check in checks.values():  # warm up: statements compiled, rows and pool made
        for n in range(min(count, CONVERSATIONS)):
            await check(n)
    return {
        name: (await per_check(check, count, rounds), await per_second(check, count))
        for name, check in checks.items()
    }


async def both_pools(
    results: dict[str, dict[str, tuple[float, float]]],
    name: str,
    url: str,
    args: argparse.Namespace,
) -> None:
    """On the app's pool (a transaction around each check), then on a relaxed pool."""
    engine = await migrated(url)
    results[f"{name}, app pool"] = await measure(
        shared(LimitWrites(engine)), args.checks, args.rounds
    )
    own = LimitWrites.own_pool(url)
    results[f"{name}, relaxed pool"] = await measure(shared(own), args.checks, args.rounds)
    await own.close()
    await engine.dispose()


async def migrated(url: str) -> AsyncEngine:
    engine = create_engine(url)
    if engine.dialect.name != "sqlite":
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)
            await connection.run_sync(lambda c: _drop_reflected(c))
            await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await migrate.upgrade(engine)
    return engine


def _drop_reflected(connection: object) -> None:
    reflected = MetaData()
    reflected.reflect(connection)  # type: ignore[arg-type]
    reflected.drop_all(connection)  # type: ignore[arg-type]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    results = {"in memory": await measure(in_memory(), args.checks, args.rounds)}
    with tempfile.TemporaryDirectory(prefix="meldwijzer-bench-") as folder:
        await both_pools(results, "SQLite", sqlite_url(Path(folder)), args)
    if args.database_url:
        await both_pools(results, "PostgreSQL", args.database_url, args)
    lines = report(results, args, load)
    print("\n".join(lines))
    if args.write:
        write_section(args.write, "Shared rate limiter", lines)


def report(
    results: dict[str, dict[str, tuple[float, float]]], args: argparse.Namespace, load: float
) -> list[str]:
    base = results["in memory"]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"{machine_line()}; {when}; load average {load:.1f} at the start. "
        f"`bench/bench_limits.py --checks {args.checks} --rounds {args.rounds}`.",
        "",
        "A check is one web chat turn counted for one of 1,000 conversations, every check",
        f"allowed (the write path). Cost: the median of {args.rounds} rounds of one check after",
        f"another; throughput: {TASKS} tasks at once. Ratios are against the in-memory check of",
        'the same run. "App pool": the check in a transaction on the app\'s own connections',
        '(set relaxed durability, count, commit); "relaxed pool": the one statement on an',
        "autocommit connection relaxed for its life (on SQLite one hand-off to the driver's",
        "thread), the pool `create_app` gives every turn's statements.",
        "",
        "| store | check | µs per check | × in memory | checks/s, 10 at once |",
        "|---|---|---:|---:|---:|",
    ]
    for store, checks in results.items():
        for name, (cost, rate) in checks.items():
            ratio = cost / base[name][0]
            lines.append(f"| {store} | {name} | {cost * 1e6:,.1f} | {ratio:,.0f} | {rate:,.0f} |")
    return lines


if __name__ == "__main__":
    asyncio.run(main())
