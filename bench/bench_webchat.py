"""Web chat turn benchmark: real ``meldwijzer serve`` replicas against a bare aiohttp echo.

Each simulated user holds one short conversation per round (start, a question, a button
from the answer, another question) over HTTP on 127.0.0.1. Meldwijzer runs as real serve
replicas (``bench.replicas``) on SQLite and, given ``--database-url``, on PostgreSQL; with
two replicas the turns go round robin between them, as nginx sends them, so one
conversation's turns land on both. The bare echo has the same routes in its own process
and shows what aiohttp and the loopback cost on their own, measured in the same run.

    python -m bench.bench_webchat                                # 1, 10, 100 users, SQLite
    python -m bench.bench_webchat --database-url postgresql://…/bench --write bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import secrets
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench.replicas import running
from bench.results import machine_line, write_section

QUESTIONS = (
    "Een collega maakt steeds grappen over mijn afkomst. Wat kan ik doen?",
    "Kan ik anoniem iets melden bij een vertrouwenspersoon?",
)
FALLBACK_ACTION = "menu:show"
SECTION = "## Web chat turn"
BARE = "bare-echo"
# The targets of the issue: Meldwijzer's turns/s against the bare echo's at the same
# number of users, and p99 against p50 at 100 users.
TARGET_SHARE = 0.15
TARGET_TAIL = 3.0
# A round may outrun the budget on a loaded machine; only a server that stopped answering
# should end the run.
ROUND_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class Target:
    """What a row measured: the bare echo, or Meldwijzer on a database with N replicas."""

    database: str  # "" for the bare echo
    replicas: int

    @property
    def label(self) -> str:
        return BARE if not self.database else f"meldwijzer {self.database} ×{self.replicas}"


# ---- the bare echo (a child process) -----------------------------------------------


def bare_echo_app() -> web.Application:
    """The same two routes, answering with one JSON echo and no work at all."""

    async def start(request: web.Request) -> web.Response:
        body = await request.json()
        reply = {"text": "hallo", "lang": "nl", "buttons": [{"label": "a", "action": "x"}]}
        token = secrets.token_urlsafe(24)
        return web.json_response(
            {"conversation": token, "replies": [reply], "echo": body}, status=201
        )

    async def message(request: web.Request) -> web.Response:
        body = await request.json()
        reply = {"text": str(body), "lang": "nl", "buttons": [{"label": "a", "action": "x"}]}
        return web.json_response({"replies": [reply]})

    app = web.Application()
    app.router.add_post("/api/webchat/conversations", start)
    app.router.add_post("/api/webchat/conversations/{token}/messages", message)
    return app


def serve_bare(conn: Connection) -> None:
    asyncio.run(_serve_bare(conn))


async def _serve_bare(conn: Connection) -> None:
    runner = web.AppRunner(bare_echo_app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    conn.send(runner.addresses[0][1])
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # wait for "stop"
    await runner.cleanup()


# ---- client --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    target: Target
    users: int
    turns: int
    failures: int
    seconds: float
    latencies_ms: tuple[float, ...]

    @property
    def throughput(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else 0.0
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]


class Conversation:
    """One user's conversation; records the latency of every turn."""

    def __init__(
        self, session: aiohttp.ClientSession, bases: Iterator[str], latencies: list[float]
    ) -> None:
        self.session = session
        self.bases = bases
        self.latencies = latencies
        self.token = ""
        self.failures = 0

    async def turn(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        began = time.perf_counter()
        async with self.session.post(next(self.bases) + path, json=body) as response:
            payload: dict[str, Any] = await response.json()
            if response.status >= 400:
                self.failures += 1
        self.latencies.append((time.perf_counter() - began) * 1000)
        return payload

    async def run(self) -> None:
        started = await self.turn("/api/webchat/conversations", {"locale": "nl"})
        self.token = started["conversation"]
        answer = await self.say({"text": QUESTIONS[0]})
        await self.say({"action": first_action(answer)})
        await self.say({"text": QUESTIONS[1]})

    async def say(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self.turn(f"/api/webchat/conversations/{self.token}/messages", body)


def first_action(payload: dict[str, Any]) -> str:
    for reply in payload.get("replies", []):
        for button in reply.get("buttons", []):
            return str(button["action"])
    return FALLBACK_ACTION


async def simulate(
    target: Target, urls: Sequence[str], users: int, rounds: int, budget: float
) -> Result:
    latencies: list[float] = []
    failures = 0
    bases = itertools.cycle(urls)  # round robin per request, as nginx's default upstream
    connector = aiohttp.TCPConnector(limit=users * len(urls))
    async with aiohttp.ClientSession(connector=connector) as session:
        for _ in range(2):  # warm-up (imports, caches, connections), not measured
            await Conversation(session, bases, []).run()
        began = time.perf_counter()
        for _ in range(rounds):
            if time.perf_counter() - began > budget:
                break
            conversations = [Conversation(session, bases, latencies) for _ in range(users)]
            rounds_done = asyncio.gather(*(c.run() for c in conversations))
            await asyncio.wait_for(rounds_done, ROUND_TIMEOUT_SECONDS)
            failures += sum(c.failures for c in conversations)
        seconds = time.perf_counter() - began
    return Result(target, users, len(latencies), failures, seconds, tuple(latencies))


def measure_bare(users: Sequence[int], rounds: int, budget: float) -> list[Result]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=serve_bare, args=(child,), daemon=True)
    process.start()
    try:
        if not parent.poll(60):
            raise SystemExit("the bare echo did not start within 60 s")
        urls = (f"http://127.0.0.1:{parent.recv()}",)
        target = Target("", 1)
        return [asyncio.run(simulate(target, urls, n, rounds, budget)) for n in users]
    finally:
        parent.send("stop")
        process.join(10)
        if process.is_alive():
            process.kill()


def measure_meldwijzer(
    target: Target, database_url: str | None, users: Sequence[int], rounds: int, budget: float
) -> list[Result]:
    with running(target.replicas, database_url=database_url) as replicas:
        return [asyncio.run(simulate(target, replicas.urls, n, rounds, budget)) for n in users]


# ---- report --------------------------------------------------------------------------


def table(results: Sequence[Result]) -> str:
    lines = [
        "| server | users | turns | failed | turns/s | p50 ms | p95 ms | p99 ms "
        "| × bare | p99/p50 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    bare = {r.users: r for r in results if r.target.database == ""}
    for r in results:
        base = bare.get(r.users)
        share = f"{r.throughput / base.throughput:.0%}" if base and base.throughput else "–"
        tail = r.percentile(99) / r.percentile(50) if r.percentile(50) else 0.0
        lines.append(
            f"| {r.target.label} | {r.users} | {r.turns} | {r.failures} | {r.throughput:.0f} "
            f"| {r.percentile(50):.1f} | {r.percentile(95):.1f} | {r.percentile(99):.1f} "
            f"| {share} | {tail:.1f} |"
        )
    return "\n".join(lines)


def verdicts(results: Sequence[Result]) -> str:
    """One line per Meldwijzer row against the targets (≥ 15% of bare; p99 ≤ 3× p50 at 100)."""
    bare = {r.users: r for r in results if r.target.database == ""}
    lines = []
    for r in results:
        base = bare.get(r.users)
        if not r.target.database or base is None or not base.throughput:
            continue
        share = r.throughput / base.throughput
        line = f"- {r.users} users, {r.target.label}: {share:.0%} of the bare echo's turns/s"
        line += " (target ≥ 15%: " + ("met" if share >= TARGET_SHARE else "missed") + ")"
        if r.users >= 100 and r.percentile(50):
            tail = r.percentile(99) / r.percentile(50)
            line += f"; p99 {tail:.1f}× p50 (target ≤ 3×: "
            line += ("met" if tail <= TARGET_TAIL else "missed") + ")"
        lines.append(line + ".")
    return "\n".join(lines)


def section(results: Sequence[Result], rounds: int, note: str) -> str:
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{SECTION}\n\n"
        f"Measured {date.today().isoformat()} on {machine_line()}, aiohttp {aiohttp.__version__}; "
        f"load average at the end {load}{note}.\n"
        f"Each user: start, a question, a button, another question; {rounds} rounds per row "
        "after two warm-up conversations. Meldwijzer: real `meldwijzer serve` replicas "
        "(bench/replicas.py: counts flushed daily as in production, access log to a file), "
        "turns round robin across replicas; the client runs on the same two CPUs.\n\n"
        f"{table(results)}\n\n{verdicts(results)}\n"
    )


def targets(database_url: str | None, sqlite_two: bool) -> list[Target]:
    chosen = [Target("SQLite", 1)]
    if sqlite_two:
        chosen.append(Target("SQLite", 2))
    if database_url:
        chosen += [Target("PostgreSQL", 1), Target("PostgreSQL", 2)]
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--rounds", type=int, default=10, help="conversations per user")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per measurement")
    parser.add_argument("--database-url", help="PostgreSQL URL (its data is left in place)")
    parser.add_argument("--no-sqlite-two", action="store_true", help="skip two SQLite replicas")
    parser.add_argument("--note", default="", help="appended to the machine line (the load)")
    parser.add_argument("--write", type=Path, help="update the section in this Markdown file")
    args = parser.parse_args(argv)

    results = measure_bare(args.users, args.rounds, args.budget)
    for target in targets(args.database_url, not args.no_sqlite_two):
        url = args.database_url if target.database == "PostgreSQL" else None
        results += measure_meldwijzer(target, url, args.users, args.rounds, args.budget)
    text = section(results, args.rounds, f"; {args.note}" if args.note else "")
    print(text)
    if args.write:
        write_section(args.write, SECTION.removeprefix("## "), text.split("\n")[2:])
    return 1 if any(r.failures for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
