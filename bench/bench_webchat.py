"""Web chat turn benchmark: the real app, the adapter alone and a bare aiohttp echo, one run.

Each simulated user holds one short conversation per round (start, a question, a
button from the answer, another question) over HTTP on 127.0.0.1. The server runs in
its own process so the client's work does not slow it down. The bare echo has the
same routes and shows what aiohttp and the loopback cost on their own; the adapter
alone adds our validation, headers and JSON conversion around a core that does nothing.

    python -m bench.bench_webchat                       # 20 and 50 users
    python -m bench.bench_webchat --users 10 --rounds 2
    python -m bench.bench_webchat --write bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench.results import machine_line, write_section

QUESTIONS = (
    "Een collega maakt steeds grappen over mijn afkomst. Wat kan ik doen?",
    "Kan ik anoniem iets melden bij een vertrouwenspersoon?",
)
FALLBACK_ACTION = "menu:show"
SECTION = "## Web chat turn"
# bare-echo: aiohttp alone; adapter-only: our web chat adapter around a core that does
# nothing; meldwijzer: the real app (matcher, dialogs, SQLite).
SERVERS = ("bare-echo", "adapter-only", "meldwijzer")


# ---- servers (run in a child process) ------------------------------------------------


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


class EchoCore:
    """A core that does nothing: measures the web chat adapter on its own."""

    async def handle(self, incoming: Any) -> Any:
        from bot.core import Button, Reply

        return (Reply(text=incoming.text or "hallo", buttons=(Button("a", "x"),)),)


def adapter_only_app() -> web.Application:
    from adapters.webchat import setup_webchat

    app = web.Application()
    setup_webchat(app, EchoCore(), max_message_chars=2000)
    return app


def meldwijzer_app(data_dir: Path) -> web.Application:
    from bot.app import create_app
    from bot.settings import Settings

    return create_app(Settings(data_dir=data_dir))


def serve(kind: str, data_dir: str, conn: Connection) -> None:
    asyncio.run(_serve(kind, Path(data_dir), conn))


async def _serve(kind: str, data_dir: Path, conn: Connection) -> None:
    apps = {"bare-echo": bare_echo_app, "adapter-only": adapter_only_app}
    app = meldwijzer_app(data_dir) if kind == "meldwijzer" else apps[kind]()
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    conn.send(runner.addresses[0][1])
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # wait for "stop"
    await runner.cleanup()


# ---- client --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    server: str
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

    def __init__(self, session: aiohttp.ClientSession, base: str, latencies: list[float]) -> None:
        self.session = session
        self.base = base
        self.latencies = latencies
        self.token = ""
        self.failures = 0

    async def turn(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        began = time.perf_counter()
        async with self.session.post(self.base + path, json=body) as response:
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


async def simulate(server: str, base: str, users: int, rounds: int, budget: float) -> Result:
    latencies: list[float] = []
    failures = 0
    connector = aiohttp.TCPConnector(limit=users)
    async with aiohttp.ClientSession(connector=connector) as session:
        await Conversation(session, base, []).run()  # warm-up, not measured
        began = time.perf_counter()
        for _ in range(rounds):
            if time.perf_counter() - began > budget:
                break
            conversations = [Conversation(session, base, latencies) for _ in range(users)]
            await asyncio.wait_for(asyncio.gather(*(c.run() for c in conversations)), budget)
            failures += sum(c.failures for c in conversations)
        seconds = time.perf_counter() - began
    return Result(server, users, len(latencies), failures, seconds, tuple(latencies))


async def measure(server: str, users: Sequence[int], rounds: int, budget: float) -> list[Result]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    with tempfile.TemporaryDirectory(prefix="meldwijzer-bench-") as data_dir:
        process = context.Process(target=serve, args=(server, data_dir, child), daemon=True)
        process.start()
        try:
            if not parent.poll(60):
                raise SystemExit(f"the {server} server did not start within 60 s")
            base = f"http://127.0.0.1:{parent.recv()}"
            return [await simulate(server, base, n, rounds, budget) for n in users]
        finally:
            parent.send("stop")
            process.join(10)
            if process.is_alive():
                process.kill()


# ---- report --------------------------------------------------------------------------


def machine() -> str:
    return f"{machine_line()}, aiohttp {aiohttp.__version__}"


def table(results: Sequence[Result]) -> str:
    lines = [
        "| server | users | turns | failed | turns/s | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.server} | {r.users} | {r.turns} | {r.failures} | {r.throughput:.0f} "
            f"| {r.percentile(50):.1f} | {r.percentile(95):.1f} | {r.percentile(99):.1f} |"
        )
    return "\n".join(lines)


def ratios(results: Sequence[Result]) -> str:
    lines = []
    bare = {r.users: r for r in results if r.server == "bare-echo"}
    for r in results:
        base = bare.get(r.users)
        if r.server != "bare-echo" and base and r.throughput:
            lines.append(
                f"- {r.users} users, {r.server}: {r.throughput / base.throughput:.0%} of the "
                f"bare echo's turns/s; p95 {r.percentile(95) / base.percentile(95):.1f}x as long."
            )
    return "\n".join(lines)


def section(results: Sequence[Result], rounds: int) -> str:
    return (
        f"{SECTION}\n\n"
        f"Measured {date.today().isoformat()} on {machine()}.\n"
        f"Each user: start, a question, a button, another question; {rounds} rounds; "
        "server in its own process, SQLite in a temporary folder, no access log.\n\n"
        f"{table(results)}\n\n{ratios(results)}\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--rounds", type=int, default=10, help="conversations per user")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per measurement")
    parser.add_argument("--write", type=Path, help="update the section in this Markdown file")
    args = parser.parse_args(argv)

    results: list[Result] = []
    for server in SERVERS:
        results += asyncio.run(measure(server, args.users, args.rounds, args.budget))
    text = section(results, args.rounds)
    print(text)
    if args.write:
        write_section(args.write, SECTION.removeprefix("## "), text.split("\n")[2:])
    return 1 if any(r.failures for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
