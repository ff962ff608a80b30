"""The floor of a web chat turn: what the parts a turn cannot skip cost, in CPU time.

The web chat target compares a turn with a bare aiohttp handler (``bench_webchat``): at
saturation the share of its turns/s is about the bare handler's CPU per request over the
turn's, so ≥ 15% leaves a turn ``bare / 0.15`` of CPU. This measures, in one run, what
the parts every turn needs cost on their own:

* the bare echo of ``bench_webchat``, served in a child process: its CPU per request (from
  ``/proc``) with ten clients at once;
* each statement of a turn through Meldwijzer's relaxed pool, in this process (CPU of all
  its threads, so aiosqlite's thread counts): the turn limit, the load and the save of the
  conversation state;
* the same kind of statement straight through the driver, without SQLAlchemy: psycopg's
  async connection, and sqlite3 on the event loop's thread (what a SQLite path without a
  driver thread could reach);
* topic matching per message (``bench_matcher``'s median).

The floor adds the bare request, the statements and the match; everything else a turn does
(the token, the dialog, the texts, the JSON, the log) comes on top of it.

PostgreSQL comes from ``--database-url`` (every table in it is dropped first, then the
migrations run); without one, only SQLite is measured.

Run: ``.venv/bin/python -m bench.bench_floor [--database-url URL] [--write bench/RESULTS.md]``
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sqlite3
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_limits import migrated  # noqa: E402
from bench.bench_matcher import cost as matching_cost  # noqa: E402
from bench.bench_webchat import serve_bare  # noqa: E402
from bench.results import machine_line, write_section  # noqa: E402
from bot.db import create_relaxed_engine, sqlite_url  # noqa: E402
from bot.limits import LimitWrites, SharedTurnLimit  # noqa: E402
from bot.router import Session  # noqa: E402
from bot.state import ConversationStore  # noqa: E402
from dialogs.base import DialogState  # noqa: E402
from knowledge.base import KnowledgeBase  # noqa: E402

SECRET = b"bench-secret-" + b"0" * 40
CONVERSATIONS = 100
TASKS = 10
WARM_UP = 300
TARGET = 0.15
Op = Callable[[int], Awaitable[object]]


def process_cpu(pid: int | str = "self") -> float:
    """User and system CPU seconds of a process, all its threads (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def cpu_per(op: Op, count: int) -> float:
    """CPU milliseconds of this process per ``op``, ``TASKS`` at once, after a warm-up."""
    for n in range(WARM_UP):
        await op(n)

    async def task(first: int) -> None:
        for n in range(first, count, TASKS):
            await op(n)

    began = process_cpu()
    await asyncio.gather(*(task(n) for n in range(TASKS)))
    return (process_cpu() - began) / count * 1e3


async def bare_request(count: int) -> float:
    """CPU milliseconds of the bare echo's process per request."""
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=serve_bare, args=(child,), daemon=True
    )
    process.start()
    try:
        if not parent.poll(60):
            raise SystemExit("the bare echo did not start within 60 s")
        port = parent.recv()
        url = f"http://127.0.0.1:{port}/api/webchat/conversations/token/messages"
        async with aiohttp.ClientSession() as client:

            async def post(_: int) -> None:
                async with client.post(url, json={"text": "ik word gepest"}) as response:
                    await response.read()

            for n in range(WARM_UP):
                await post(n)

            async def task(first: int) -> None:
                for n in range(first, count, TASKS):
                    await post(n)

            began = process_cpu(process.pid)  # type: ignore[arg-type]
            await asyncio.gather(*(task(n) for n in range(TASKS)))
            return (process_cpu(process.pid) - began) / count * 1e3  # type: ignore[arg-type]
    finally:
        parent.send("stop")
        process.join(10)


async def turn_statements(url: str, count: int) -> dict[str, float]:
    """The turn limit, the load and the save, as a turn runs them (the relaxed pool)."""
    engine = await migrated(url)
    relaxed = create_relaxed_engine(url)
    store = ConversationStore(engine, relaxed, SECRET, timedelta(hours=1))
    writes = LimitWrites(relaxed, autocommit=True, queue=store.writes_queue)
    limit = SharedTurnLimit(writes, SECRET, most=10**9)
    now = datetime.now(UTC)
    session = Session(
        "nl", False, DialogState("menu", "start", MappingProxyType({})), "", frozenset()
    )
    keys = [f"conversation-{n}" for n in range(CONVERSATIONS)]
    for key in keys:
        await store.save(key, session, now)
    try:
        return {
            "turn limit": await cpu_per(lambda n: limit.allow(keys[n % CONVERSATIONS]), count),
            "load": await cpu_per(lambda n: store.load(keys[n % CONVERSATIONS], now), count),
            "save": await cpu_per(
                lambda n: store.save(keys[n % CONVERSATIONS], session, now), count
            ),
        }
    finally:
        await relaxed.dispose()
        await engine.dispose()


UPSERT_PG = "INSERT INTO floor_kv VALUES (%s, %s) ON CONFLICT (k) DO UPDATE SET v = excluded.v"
UPSERT_SQLITE = UPSERT_PG.replace("%s", "?")


async def raw_postgres(url: str, count: int) -> float:
    """One upsert straight through psycopg's async connection, on one connection."""
    import psycopg

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as connection:
        await connection.execute("DROP TABLE IF EXISTS floor_kv")
        await connection.execute("CREATE TABLE floor_kv (k text PRIMARY KEY, v text)")
        lock = asyncio.Lock()  # one connection: one statement at a time

        async def upsert(n: int) -> None:
            async with lock:
                await connection.execute(UPSERT_PG, (f"k{n % CONVERSATIONS}", "x" * 200))

        try:
            return await cpu_per(upsert, count)
        finally:
            await connection.execute("DROP TABLE floor_kv")


async def raw_sqlite(folder: Path, count: int) -> float:
    """One upsert through sqlite3 on the event loop's own thread (no driver thread)."""
    connection = sqlite3.connect(folder / "floor.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("CREATE TABLE floor_kv (k text PRIMARY KEY, v text)")

    async def upsert(n: int) -> None:
        connection.execute(UPSERT_SQLITE, (f"k{n % CONVERSATIONS}", "x" * 200))

    try:
        return await cpu_per(upsert, count)
    finally:
        connection.close()


def lines_for(
    bare: float,
    match: float,
    statements: dict[str, dict[str, float]],
    raw: dict[str, float],
    count: int,
    load: float,
) -> list[str]:
    budget = bare / TARGET
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine_line()}; load average at the "
        f"start {load:.1f}. CPU milliseconds per operation, {count} operations with "
        f"{TASKS} at once after a warm-up; matching is `bench_matcher`'s median.",
        "",
        "| part | ms CPU |",
        "|---|---:|",
        f"| bare aiohttp echo, per request (its own process) | {bare:.3f} |",
        f"| topic matching, per message | {match:.3f} |",
    ]
    for database, parts in statements.items():
        for part, ms in parts.items():
            lines.append(f"| {database}: {part} (relaxed pool) | {ms:.3f} |")
    for name, ms in raw.items():
        lines.append(f"| {name} | {ms:.3f} |")
    lines += [
        "",
        f"A turn at 15% of the bare echo may cost {budget:.2f} ms of CPU in all.",
        "",
        "| database | floor: bare + the three statements + matching "
        "| the same, raw driver | raw driver, two statements | budget | floor ÷ budget |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    raw_of = {
        "SQLite": raw.get("sqlite3 on the loop, one upsert"),
        "PostgreSQL": raw.get("psycopg async, one upsert"),
    }
    for database, parts in statements.items():
        floor = bare + sum(parts.values()) + match
        driver = raw_of.get(database)
        three = f"{bare + 3 * driver + match:.2f}" if driver is not None else "–"
        two = f"{bare + 2 * driver + match:.2f}" if driver is not None else "–"
        lines.append(
            f"| {database} | {floor:.2f} | {three} | {two} | {budget:.2f} | {floor / budget:.1f}× |"
        )
    lines += [
        "",
        "The floor leaves out everything else a turn does (the token, the dialog, the "
        'texts, the JSON, the access log). "Raw driver" prices each statement as one '
        'upsert straight through the driver; "two statements" folds the turn limit into '
        "the load, the least a turn that keeps its state in the database can do. A floor "
        "above the budget cannot be met by making Meldwijzer's own code cheaper.",
    ]
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=4000)
    parser.add_argument("--database-url")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    bare = await bare_request(args.count)
    match = matching_cost(KnowledgeBase.load())["median"] / 1e3
    statements: dict[str, dict[str, float]] = {}
    raw: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="meldwijzer-bench-") as folder:
        statements["SQLite"] = await turn_statements(sqlite_url(Path(folder)), args.count)
        raw["sqlite3 on the loop, one upsert"] = await raw_sqlite(Path(folder), args.count)
    if args.database_url:
        statements["PostgreSQL"] = await turn_statements(args.database_url, args.count)
        raw["psycopg async, one upsert"] = await raw_postgres(args.database_url, args.count)
    lines = lines_for(bare, match, statements, raw, args.count, load)
    print("\n".join(lines))
    if args.write:
        write_section(args.write, "Floor of a web chat turn", lines)


if __name__ == "__main__":
    asyncio.run(main())
