"""Signals left through the web chat by 1, 10 and 100 concurrent users, on real replicas.

``meldwijzer serve`` replicas (``bench/replicas.py``) on SQLite and, with ``--database-url``,
on PostgreSQL; one replica, and two on one database. Each user leaves signals in one web
chat conversation (three turns each: the topic, anonymous, the form); the form's turn is
what is timed: Argon2id over the receipt (production cost, 46 MiB), sealing to the enrolled
adviser, storing and indexing. Users are spread over the replicas round robin.

Baseline in the same run: a bare aiohttp server in its own process that stores each POST's
text of the same size as a plaintext row in the same database (one transaction each), at the
same concurrency.

Run: ``.venv/bin/python -m bench.bench_signals [--database-url postgresql://…]
[--write bench/RESULTS.md]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import date
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import text

from bench.bench_flood import SIGNAL, Chat
from bench.load import Load, Recorder, Row, child_server, drive, table
from bench.replicas import running
from bench.results import machine_line, write_section

SECTION = "Sealed signals"
USERS = (1, 10, 100)
SIGNALS_PER_USER = {1: 20, 10: 4, 100: 2}
SIGNALS_PER_CHAT = 8
SETTINGS = {
    "MELDWIJZER_DEMO_ADVISER": "true",  # one enrolled adviser receives the signals
    "MELDWIJZER_SIGNALS_PER_MINUTE": "100000",
    "MELDWIJZER_SIGNALS_BURST": "100000",
}
FORM = {"form": "signal:intake", "data": {**SIGNAL, "kinds": ["racism"]}}
BODY = "Tijdens het teamoverleg maakte mijn leidinggevende opnieuw een opmerking. " * 4


def plain_insert_app(database_url: str) -> web.Application:
    """The baseline: one plaintext row per POST, its own transaction."""
    from bot.db import create_engine

    engine = create_engine(database_url)
    create = "CREATE TABLE IF NOT EXISTS bench_plain (id BIGSERIAL PRIMARY KEY, body TEXT)"
    if engine.dialect.name == "sqlite":
        create = "CREATE TABLE IF NOT EXISTS bench_plain (id INTEGER PRIMARY KEY, body TEXT)"

    async def insert(request: web.Request) -> web.Response:
        body = await request.text()
        async with engine.begin() as db:
            await db.execute(text("INSERT INTO bench_plain (body) VALUES (:b)"), {"b": body})
        return web.Response(status=201)

    async def prepare(_app: web.Application) -> None:
        async with engine.begin() as db:
            await db.execute(text(create))

    async def close(_app: web.Application) -> None:
        await engine.dispose()

    app = web.Application()
    app.router.add_post("/plain", insert)
    app.on_startup.append(prepare)
    app.on_cleanup.append(close)
    return app


async def leave(urls: tuple[str, ...], users: int) -> Load:
    count = SIGNALS_PER_USER[users]
    connector = aiohttp.TCPConnector(limit=users * 2)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def user(n: int, recorder: Recorder) -> None:
            chat = Chat(session, urls[n % len(urls)])

            async def submit() -> bool:
                replies = await chat.say(FORM)
                return any(r.get("sensitive") for r in replies)

            for index in range(count):
                if index and index % SIGNALS_PER_CHAT == 0:  # 24 turns: within the web chat's 25
                    chat = Chat(session, urls[n % len(urls)])
                await chat.say({"action": "topic:signal"})
                await chat.say({"action": "signal:mode:anonymous"})
                await recorder.timed(submit())

        return await drive(users, user)


async def plain(url: str, users: int) -> Load:
    count = SIGNALS_PER_USER[users]
    connector = aiohttp.TCPConnector(limit=users * 2)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def post() -> bool:
            async with session.post(url + "/plain", data=BODY) as response:
                return response.status == 201

        async def user(_n: int, recorder: Recorder) -> None:
            for _ in range(count):
                await recorder.timed(post())

        return await drive(users, user)


async def empty_postgres(url: str) -> None:
    import psycopg

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as db:
        await db.execute("DROP SCHEMA public CASCADE")
        await db.execute("CREATE SCHEMA public")


async def measure(database_url: str | None, users_list: tuple[int, ...]) -> list[Row]:
    database = "PostgreSQL" if database_url else "SQLite"
    rows: list[Row] = []
    for count in (1, 2):
        if database_url:
            await empty_postgres(database_url)
        with running(count, database_url=database_url, settings=SETTINGS) as replicas:
            await leave(replicas.urls, 1)  # warm-up: first Argon2id, caches, connections
            if count == 1:
                folder = replicas.processes[0].env["MELDWIJZER_DATA_DIR"]
                url = database_url or f"sqlite:///{folder}/meldwijzer.db"
                with child_server(plain_insert_app, url) as base:
                    for users in users_list:
                        rows.append(
                            Row(database, "baseline", await plain(base, users), os.getloadavg()[0])
                        )
            name = f"{count} replica" + ("s" if count > 1 else "")
            for users in users_list:
                load = await leave(replicas.urls, users)
                rows.append(Row(database, name, load, os.getloadavg()[0]))
    return rows


def report(rows: list[Row]) -> list[str]:
    lines = [
        f"Measured {date.today().isoformat()} on {machine_line()}. `meldwijzer serve` replicas "
        "(bench/replicas.py) with one enrolled adviser, Argon2id 46 MiB × 1 (production), "
        "one KDF worker per CPU per replica; users in the benchmark's process, each in one web "
        "chat conversation, spread over the replicas round robin; per signal three turns, the "
        f"form's turn timed. Signals per user: "
        + ", ".join(f"{SIGNALS_PER_USER[u]} at {u}" for u in USERS)
        + ". Baseline: a bare aiohttp server in its own process storing the same-size text "
        "as a plaintext row per POST (one transaction) in the same database, at the same "
        "concurrency. Load: the machine's 1-minute load average after the row (2 CPUs, "
        "shared with other work).",
        "",
    ]
    baseline = {(r.database, r.load.users): r.load for r in rows if r.server == "baseline"}
    return lines + table(rows, "signals", lambda r: baseline[(r.database, r.load.users)], 3)


async def main_async(database_url: str, users: tuple[int, ...]) -> list[Row]:
    rows = await measure(None, users)
    if database_url:
        rows += await measure(database_url, users)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--users", default="1,10,100", help="concurrent users, of 1,10,100")
    parser.add_argument("--write", type=Path, help="update the section in this Markdown file")
    args = parser.parse_args()
    users = tuple(int(n) for n in args.users.split(","))
    lines = report(asyncio.run(main_async(args.database_url, users)))
    print("\n".join(lines))
    if args.write:
        write_section(args.write, SECTION, lines)


if __name__ == "__main__":
    main()
