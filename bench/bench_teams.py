"""Throughput of POST /api/messages: a bare botbuilder echo bot against Meldwijzer's Teams turn.

1, 10 and 100 concurrent users (a Teams conversation each) against ``meldwijzer serve``
replicas (``bench/replicas.py``) on SQLite and, with ``--database-url``, on PostgreSQL; one
replica, and two on one database (users spread round robin). Each user alternates two
questions, so every turn changes and writes its conversation's state. Replies go to a fake
Bot Connector on 127.0.0.1 in a process of its own.

Baseline in the same run: botbuilder's ``CloudAdapter.process`` with an ``ActivityHandler``
echo bot (the SDK's own connector factory, a new ConnectorClient per turn), served by aiohttp
in its own process, at the same concurrency. Authentication is off on both sides: a serve
replica checks tokens against Microsoft's OpenID metadata only, and a benchmark sends nothing
off this machine.

Run: ``.venv/bin/python -m bench.bench_teams [--database-url postgresql://…]
[--write bench/RESULTS.md]``
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
from aiohttp import web

import tests.crash.serve_process
from bench.load import Load, Recorder, Row, child_server, drive, table
from bench.replicas import running
from bench.results import machine_line, write_section
from tests.adapters.teams.fakes import FakeConnector

# A cold start on this shared two-core machine, with other replicas starting, can take
# longer than the 60 s the crash tests allow.
tests.crash.serve_process.START_SECONDS = 240.0
ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests/adapters/teams/fixtures/message.json"
SECTION = "Teams turn (POST /api/messages)"
USERS = (1, 10, 100)
TURNS_PER_USER = {1: 200, 10: 30, 100: 5}
QUESTIONS = ("Wat zijn mijn mogelijkheden?", "Ik zag dat een collega werd uitgescholden")


def bare_echo_app() -> web.Application:
    from botbuilder.core import ActivityHandler, MessageFactory
    from botbuilder.integration.aiohttp import (
        CloudAdapter,
        ConfigurationBotFrameworkAuthentication,
    )

    class EchoBot(ActivityHandler):  # type: ignore[misc]
        async def on_message_activity(self, turn_context: Any) -> None:
            await turn_context.send_activity(
                MessageFactory.text(f"echo {turn_context.activity.text}")
            )

    auth = ConfigurationBotFrameworkAuthentication(SimpleNamespace(APP_ID="", APP_PASSWORD=""))
    adapter, bot = CloudAdapter(auth), EchoBot()

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response or web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


def fake_connector_app() -> web.Application:
    return FakeConnector().app()


def activities(connector: str, user: int) -> list[str]:
    """The user's two messages, in a conversation of their own, replies to ``connector``."""
    template = json.loads(FIXTURE.read_text(encoding="utf-8"))
    template["serviceUrl"] = connector + "/"
    template["conversation"]["id"] = f"a:bench-conversation-{user}"
    template["from"]["id"] = f"29:bench-user-{user}"
    bodies = []
    for question in QUESTIONS:
        activity: dict[str, Any] = copy.deepcopy(template)
        activity["text"] = question
        bodies.append(json.dumps(activity))
    return bodies


async def turns(urls: tuple[str, ...], connector: str, users: int) -> Load:
    count = TURNS_PER_USER[users]
    headers = {"Content-Type": "application/json"}
    http = aiohttp.TCPConnector(limit=users * 2)
    async with aiohttp.ClientSession(connector=http) as session:

        async def post(url: str, body: str) -> bool:
            async with session.post(url + "/api/messages", data=body, headers=headers) as answer:
                await answer.read()
                return answer.status < 300

        async def user(n: int, recorder: Recorder) -> None:
            bodies = activities(connector, n)
            url = urls[n % len(urls)]
            for index in range(count):
                await recorder.timed(post(url, bodies[index % 2]))

        return await drive(users, user)


async def empty_postgres(url: str) -> None:
    import psycopg

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as db:
        await db.execute("DROP SCHEMA public CASCADE")
        await db.execute("CREATE SCHEMA public")


async def measure(
    database_url: str | None, connector: str, users_list: tuple[int, ...]
) -> list[Row]:
    database = "PostgreSQL" if database_url else "SQLite"
    rows: list[Row] = []
    if not database_url:  # the baseline has no database: measured once
        with child_server(bare_echo_app) as bare:
            await turns((bare,), connector, 1)  # warm-up
            for users in users_list:
                load = await turns((bare,), connector, users)
                rows.append(Row("none", "bare echo", load, os.getloadavg()[0]))
    for count in (1, 2):
        if database_url:
            await empty_postgres(database_url)
        with running(count, database_url=database_url) as replicas:
            await turns(replicas.urls, connector, 1)  # warm-up
            name = f"{count} replica" + ("s" if count > 1 else "")
            for users in users_list:
                load = await turns(replicas.urls, connector, users)
                rows.append(Row(database, name, load, os.getloadavg()[0]))
    return rows


def report(rows: list[Row]) -> list[str]:
    lines = [
        f"Measured {date.today().isoformat()} on {machine_line()}. `meldwijzer serve` replicas "
        "(bench/replicas.py), Teams authentication off on both sides (see bench/bench_teams.py), "
        "users in the benchmark's process, each its own Teams conversation alternating two "
        "questions (every turn writes the conversation's state), spread over the replicas "
        "round robin; replies posted to a fake Bot Connector in its own process. Turns per "
        "user: "
        + ", ".join(f"{TURNS_PER_USER[u]} at {u}" for u in USERS)
        + ". Baseline: botbuilder's CloudAdapter with an echo ActivityHandler in its own "
        "process, the same users, in the same run. Load: the machine's 1-minute load average "
        "after the row (2 CPUs, shared with other work).",
        "",
    ]
    bare = {r.load.users: r.load for r in rows if r.server == "bare echo"}
    return lines + table(rows, "turns", lambda r: bare[r.load.users], 2)


async def main_async(database_url: str, users: tuple[int, ...]) -> list[Row]:
    with child_server(fake_connector_app) as connector:
        rows = await measure(None, connector, users)
        if database_url:
            rows += await measure(database_url, connector, users)
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
