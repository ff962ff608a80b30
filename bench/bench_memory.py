"""Resident memory of one serve replica as conversations and signals pile up, and database
bytes per stored signal.

One real ``meldwijzer serve`` (``bench/replicas.py``) on SQLite, and on PostgreSQL when
``--database-url`` is given. Through its HTTP API only: conversations started (each one
state row), then signals left through the web chat (three turns each). The replica's RSS
(``/proc/PID/status`` ``VmRSS``) is read after each step, once the server is idle; what
grows with traffic in process memory shows as a slope. The baseline is the same replica
after a warm-up of ``WARM_UP`` conversations, in the same run. Receipts use Argon2id at
64 KiB: the KDF pool's memory is bounded by its workers (see "Receipt flood") and is not
what this measures.

Run: ``.venv/bin/python -m bench.bench_memory [--database-url postgresql://…]
[--conversations 10000,100000] [--signals 10000] [--write bench/RESULTS.md]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import aiohttp

import tests.crash.serve_process
from bench.bench_flood import Chat, rss_mib
from bench.replicas import running
from bench.results import machine_line, write_section

# A cold start on this shared two-core machine, with other replicas starting, took longer
# than the 60 s the crash tests allow.
tests.crash.serve_process.START_SECONDS = 240.0
SECTION = "Memory and database growth"
WARM_UP = 1_000
USERS = 32  # concurrent clients
SIGNALS_PER_CHAT = 8  # 24 turns: one conversation, within the web chat's 25
SETTINGS = {
    "MELDWIJZER_KDF_MEMORY_KIB": "64",
    "MELDWIJZER_DEMO_ADVISER": "true",  # one enrolled adviser to receive the signals
    "MELDWIJZER_SIGNALS_PER_MINUTE": "100000",
    "MELDWIJZER_SIGNALS_BURST": "100000",
}
SIGNAL_TABLES = ("signals", "signal_messages", "signal_wraps")


@dataclass(frozen=True, slots=True)
class Step:
    label: str
    conversations: int  # stored in the database after this step
    signals: int
    rss_mib: float
    seconds: float
    load: float  # the machine's 1-minute load average at the end of the step


@dataclass(frozen=True, slots=True)
class Run:
    database: str
    steps: tuple[Step, ...]
    signal_bytes: float  # per signal: the signal tables alone
    total_bytes: float  # per signal: everything but the conversations table


def serve_pid(port: int) -> int:
    """The replica listening on ``port``: found by its command line, as ``ps`` would."""
    wanted = f"--port\x00{port}\x00"
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if "bot.cli\x00serve" in command and wanted in command:
                return int(entry.name)
    raise SystemExit(f"no serve process on port {port}")


async def start_conversations(base: str, count: int) -> int:
    """``count`` fresh conversations, ``USERS`` at a time; the number refused."""
    refused = 0
    left = iter(range(count))
    connector = aiohttp.TCPConnector(limit=USERS)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client() -> None:
            nonlocal refused
            for _ in left:
                async with session.post(
                    base + "/api/webchat/conversations", json={"locale": "nl"}
                ) as response:
                    await response.read()
                    refused += response.status != 201

        await asyncio.gather(*(client() for _ in range(USERS)))
    return refused


async def leave_signals(base: str, count: int) -> None:
    chats = iter(range(0, count, SIGNALS_PER_CHAT))
    connector = aiohttp.TCPConnector(limit=USERS)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client() -> None:
            for first in chats:
                chat = Chat(session, base)
                for _ in range(min(SIGNALS_PER_CHAT, count - first)):
                    await chat.submit_signal()

        await asyncio.gather(*(client() for _ in range(USERS)))


def table_bytes_sqlite(folder: str) -> dict[str, int]:
    with sqlite3.connect(Path(folder) / "meldwijzer.db") as db:
        db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        rows = db.execute(
            "SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize) FROM dbstat d"
            " LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1"
        ).fetchall()
    return {str(name): int(size) for name, size in rows}


async def table_bytes_postgres(url: str) -> dict[str, int]:
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    async with await psycopg.AsyncConnection.connect(plain, autocommit=True) as db:
        await db.execute("VACUUM ANALYZE")  # dead tuples of updated rows are not growth
        cursor = await db.execute(
            "SELECT relname, pg_total_relation_size(oid) FROM pg_class"
            " WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
        )
        return {str(name): int(size) for name, size in await cursor.fetchall()}


def rows_sqlite(folder: str) -> int:
    with sqlite3.connect(Path(folder) / "meldwijzer.db") as db:
        return int(db.execute("SELECT count(*) FROM conversations").fetchone()[0])


async def rows_postgres(url: str) -> int:
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    async with await psycopg.AsyncConnection.connect(plain, autocommit=True) as db:
        found = await (await db.execute("SELECT count(*) FROM conversations")).fetchone()
        return int(found[0]) if found else 0


async def conversation_rows(database_url: str | None, folder: str) -> int:
    """Counted in the database, not assumed: what the replica really stored."""
    if database_url:
        return await rows_postgres(database_url)
    return await asyncio.to_thread(rows_sqlite, folder)


async def empty_postgres(url: str) -> None:
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    async with await psycopg.AsyncConnection.connect(plain, autocommit=True) as db:
        await db.execute("DROP SCHEMA public CASCADE")
        await db.execute("CREATE SCHEMA public")


async def stored(database_url: str | None, folder: str) -> dict[str, int]:
    if database_url:
        return await table_bytes_postgres(database_url)
    return await asyncio.to_thread(table_bytes_sqlite, folder)


async def settle(pid: int) -> float:
    """The RSS once the server is idle (a moment for freed memory and pending writes)."""
    await asyncio.sleep(2.0)
    return rss_mib(pid)


async def measure(database_url: str | None, conversations: list[int], signals: int) -> Run:
    if database_url:
        await empty_postgres(database_url)
    with running(1, database_url=database_url, settings=SETTINGS) as replicas:
        base, process = replicas.urls[0], replicas.processes[0]
        pid, folder = serve_pid(process.port), process.env["MELDWIJZER_DATA_DIR"]
        steps: list[Step] = []

        async def record(label: str, signals_left: int, began: float) -> None:
            seconds = time.perf_counter() - began
            rss = await settle(pid)
            rows = await conversation_rows(database_url, folder)
            steps.append(Step(label, rows, signals_left, rss, seconds, os.getloadavg()[0]))

        began = time.perf_counter()
        await start_conversations(base, WARM_UP)
        await record("warm-up (baseline)", 0, began)
        done = WARM_UP
        for target in conversations:
            began = time.perf_counter()
            refused = await start_conversations(base, target - done)
            if refused:
                raise SystemExit(f"{refused} conversations refused; raise the bench's limits")
            done = target
            await record(f"{target:,} conversations", 0, began)
        before = await stored(database_url, folder)
        began = time.perf_counter()
        await leave_signals(base, signals)
        await record(f"+ {signals:,} signals", signals, began)
        after = await stored(database_url, folder)
    grown = {name: after.get(name, 0) - before.get(name, 0) for name in after}
    signal_bytes = sum(grown.get(name, 0) for name in SIGNAL_TABLES) / max(signals, 1)
    total = sum(v for name, v in grown.items() if name != "conversations") / max(signals, 1)
    return Run("PostgreSQL" if database_url else "SQLite", tuple(steps), signal_bytes, total)


def report(runs: list[Run], signals: int) -> list[str]:
    lines = [
        f"Measured {date.today().isoformat()} on {machine_line()}; one `meldwijzer serve` "
        f"replica (bench/replicas.py), {USERS} concurrent HTTP clients in the benchmark's "
        "process. Conversations: one `POST /api/webchat/conversations` each (one state row). "
        f"Signals: left through the web chat, three turns each, {SIGNALS_PER_CHAT} per "
        "conversation, Argon2id at 64 KiB (the KDF pool's own memory is bounded by its "
        'workers, see "Receipt flood"). RSS read from /proc once the server was idle for 2 s. '
        "Baseline: the same replica after its warm-up, in the same run. Load: the machine's "
        "1-minute load average at the end of each step (2 CPUs, shared with other work).",
        "",
        "| database | after | conversations stored | signals | RSS MiB | × baseline | step s "
        "| load |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        baseline = run.steps[0].rss_mib
        for s in run.steps:
            lines.append(
                f"| {run.database} | {s.label} | {s.conversations:,} | {s.signals:,} "
                f"| {s.rss_mib:.1f} | {s.rss_mib / baseline:.2f} | {s.seconds:.0f} "
                f"| {s.load:.1f} |"
            )
    lines.append("")
    for run in runs:
        conversation_steps = [s for s in run.steps[1:] if s.signals == 0]
        if len(conversation_steps) >= 2:
            first, last = conversation_steps[0], conversation_steps[-1]
            change = (last.rss_mib / first.rss_mib - 1) * 100
            lines.append(
                f"- {run.database}: RSS {first.rss_mib:.1f} MiB at {first.label}, "
                f"{last.rss_mib:.1f} MiB at {last.label} ({change:+.1f}%; target within ±10%)."
            )
        with_signals = run.steps[-1]
        change = (with_signals.rss_mib / run.steps[-2].rss_mib - 1) * 100
        lines.append(
            f"- {run.database}: {signals:,} signals moved RSS by {change:+.1f}%; database bytes "
            f"per stored signal: {run.signal_bytes:,.0f} in the signal tables "
            f"({', '.join(SIGNAL_TABLES)}), {run.total_bytes:,.0f} in all tables but "
            "`conversations` (notices, audit log, counters)."
        )
    return lines


async def main_async(args: argparse.Namespace) -> list[Run]:
    conversations = [int(n) for n in args.conversations.split(",")]
    runs = [await measure(None, conversations, args.signals)]
    publish(runs, args)  # a long PostgreSQL run that is stopped keeps the SQLite numbers
    if args.database_url:
        runs.append(await measure(args.database_url, conversations, args.signals))
        publish(runs, args)
    return runs


def publish(runs: list[Run], args: argparse.Namespace) -> None:
    lines = report(runs, args.signals)
    print("\n".join(lines), flush=True)
    if args.write:
        write_section(args.write, SECTION, lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--conversations", default="10000,100000")
    parser.add_argument("--signals", type=int, default=10_000)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
