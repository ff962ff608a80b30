"""Flood benchmark: does a stranger's flood of receipts slow down everyone else?

The real app is served (``web.AppRunner`` on 127.0.0.1, its own process, SQLite in a
temporary folder, Argon2id at the production cost). A second process runs the flood: 32
concurrent clients, half re-reading one valid receipt in a loop, half trying well-formed
wrong receipts (a fresh conversation every five tries, as a stranger would to dodge the
per-conversation limit). The measuring client, in this process, times a normal user's
simple turn (a question) and a legitimate reporter reading their own signal, first with
no load and then under the flood, in the same run; the server's RSS is sampled all along.

Targets (issue "keep the promise under attack"): a simple turn within 2× its unloaded
p50, a legitimate receipt read within 3×, memory flat.

    python -m bench.bench_flood [--seconds 20] [--write bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench.results import machine_line, write_section

CLIENTS = 32
QUESTIONS = (
    "Een collega maakt steeds grappen over mijn afkomst. Wat kan ik doen?",
    "Kan ik anoniem iets melden bij een vertrouwenspersoon?",
)
SIGNAL = {"what": "Bij het overleg werd opnieuw een opmerking gemaakt.", "role": "target"}
ANSWERS = ("not_found", "rate_limited", "opened_often", "busy", "malformed_receipt")
SECTION = "Receipt flood"


# ---- the server (child process) -------------------------------------------------------


def serve(data_dir: str, conn: Connection, overrides: dict[str, Any]) -> None:
    asyncio.run(_serve(Path(data_dir), conn, overrides))


async def _serve(data_dir: Path, conn: Connection, overrides: dict[str, Any]) -> None:
    from bot.app import create_app
    from bot.settings import Settings

    # Defaults (but ``overrides``): production Argon2id (46 MiB × 1), a KDF worker per CPU.
    settings = Settings(data_dir=data_dir, **overrides)
    runner = web.AppRunner(create_app(settings), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    conn.send(runner.addresses[0][1])
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # wait for "stop"
    await runner.cleanup()


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# ---- a web chat conversation ------------------------------------------------------------


class Chat:
    """One person over HTTP, in English so the answers can be recognised.

    The web chat allows 30 turns per conversation per minute (adapters/webchat), so a
    person measured for longer moves to a fresh conversation every 25 turns; ``opening``
    are the turns that put a fresh conversation where this person needs it.
    """

    TURNS_PER_CONVERSATION = 25

    def __init__(
        self, session: aiohttp.ClientSession, base: str, opening: tuple[dict[str, Any], ...] = ()
    ) -> None:
        self.session, self.base, self.opening = session, base, opening
        self.token, self.turns = "", 0
        self.statuses: Counter[int] = Counter()

    async def start(self) -> None:
        while True:  # the new-conversation bucket may say "busy": count it, wait, try again
            async with self.session.post(
                self.base + "/api/webchat/conversations", json={"locale": "en"}
            ) as response:
                if response.status == 201:
                    self.token = (await response.json())["conversation"]
                    break
                self.statuses[response.status] += 1
            await asyncio.sleep(1.0)
        self.turns = 0
        for body in self.opening:
            await self.say(body)

    async def say(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        if not self.token or self.turns >= self.TURNS_PER_CONVERSATION:
            await self.start()
        self.turns += 1
        path = f"{self.base}/api/webchat/conversations/{self.token}/messages"
        async with self.session.post(path, json=body) as response:
            self.statuses[response.status] += 1
            if response.status != 200:
                return []
            replies: list[dict[str, Any]] = (await response.json()).get("replies", [])
            return replies

    async def submit_signal(self) -> str:
        await self.say({"action": "topic:signal"})
        await self.say({"action": "signal:mode:anonymous"})
        replies = await self.say({"form": "signal:intake", "data": {**SIGNAL, "kinds": ["racism"]}})
        (shown,) = [r for r in replies if r.get("sensitive")]
        return str(shown["text"]).split("**")[1]

    async def read(self, receipt: str) -> list[dict[str, Any]]:
        return await self.say({"form": "follow-up:read", "data": {"code": receipt}})


FOLLOW_UP = ({"action": "topic:follow-up"},)


def english(key: str) -> str:
    from dialogs.messages import Messages

    return Messages.load().text("en", f"follow_up.{key}")


# ---- the flood (child process) ----------------------------------------------------------


def flood(base: str, receipt: str, seconds: float, conn: Connection) -> None:
    conn.send(asyncio.run(_flood(base, receipt, seconds)))


async def _flood(base: str, receipt: str, seconds: float) -> dict[str, int]:
    from bot.seal import new_receipt

    texts = {english(key): key for key in ANSWERS}
    answers: Counter[str] = Counter()
    deadline = time.monotonic() + seconds

    async def client(session: aiohttp.ClientSession, rereads: bool) -> None:
        chat, tries = Chat(session, base, FOLLOW_UP), 0
        while time.monotonic() < deadline:
            if not rereads and tries % 5 == 0:
                await chat.start()  # dodging the per-conversation attempt limit
            code = receipt if rereads else new_receipt().display()
            replies = await chat.read(code)
            if replies:
                answers[texts.get(str(replies[0]["text"]), "opened")] += 1
            tries += 1
        for status, count in chat.statuses.items():
            if status != 200:
                answers[f"HTTP {status}"] += count

    connector = aiohttp.TCPConnector(limit=CLIENTS)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(client(session, n % 2 == 0) for n in range(CLIENTS)))
    return dict(answers)


# ---- measuring ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Phase:
    turns_ms: list[float]
    reads_ms: list[float]
    failed_reads: int
    busy_reads: int = 0


async def timed(action: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = await action()
    return (time.perf_counter() - began) * 1000, result


async def phase(
    user: Chat, reader: Chat, receipt: str | tuple[str, ...], turns: int, reads: int
) -> Phase:
    """``receipt``: one, or several read in turn (to stay under a signal's opens an hour)."""
    receipts = (receipt,) if isinstance(receipt, str) else receipt
    opened, busy_text = english("status_open"), english("busy")
    turns_ms: list[float] = []
    reads_ms: list[float] = []
    failed = busy = 0
    every = max(1, turns // reads)
    for n in range(turns):
        question = {"text": QUESTIONS[n % 2]}
        ms, _ = await timed(lambda: user.say(question))  # noqa: B023 (awaited at once)
        turns_ms.append(ms)
        if n % every == 0 and len(reads_ms) < reads:
            code = receipts[len(reads_ms) % len(receipts)]
            ms, replies = await timed(lambda: reader.read(code))  # noqa: B023 (awaited at once)
            reads_ms.append(ms)
            failed += not (replies and opened in str(replies[0]["text"]))
            busy += bool(replies) and str(replies[0]["text"]) == busy_text
        await asyncio.sleep(0.02)  # a person, not a loop
    return Phase(turns_ms, reads_ms, failed, busy)


async def sample_rss(pid: int, samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        samples.append(rss_mib(pid))
        await asyncio.sleep(0.25)


Measure = Callable[[str, int, Any], Awaitable[dict[str, Any]]]


async def served(overrides: dict[str, Any], measuring: Measure) -> dict[str, Any]:
    """``measuring(base_url, server_pid, context)`` against a fresh server in its own process."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    with tempfile.TemporaryDirectory(prefix="meldwijzer-flood-") as data_dir:
        server = context.Process(target=serve, args=(data_dir, child, overrides), daemon=True)
        server.start()
        try:
            if not parent.poll(60):
                raise SystemExit("the server did not start within 60 s")
            base = f"http://127.0.0.1:{parent.recv()}"
            return await measuring(base, server.pid or 0, context)
        finally:
            parent.send("stop")
            server.join(30)


async def run(seconds: float, turns: int, reads: int) -> dict[str, Any]:
    return await served(
        {}, lambda base, pid, context: measure(base, pid, context, seconds, turns, reads)
    )


async def measure(
    base: str, pid: int, context: Any, seconds: float, turns: int, reads: int
) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session:
        # Two signals a phase: 15 reads stay under a signal's 10 opens an hour.
        flooded, warm, *calm = [await Chat(session, base).submit_signal() for _ in range(6)]
        busy = (calm.pop(), calm.pop())
        user, reader = Chat(session, base), Chat(session, base, FOLLOW_UP)
        await phase(user, reader, warm, 10, 2)  # warm-up, not counted
        rss: list[float] = []
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_rss(pid, rss, stop))
        unloaded = await phase(user, reader, tuple(calm), turns, reads)
        rss_before = max(rss)
        parent, child = context.Pipe()
        flooder = context.Process(target=flood, args=(base, flooded, seconds, child), daemon=True)
        flooder.start()
        await asyncio.sleep(min(3.0, seconds / 4))  # let the flood reach its stride
        loaded = await phase(user, reader, busy, turns, reads)
        answers = await asyncio.get_running_loop().run_in_executor(None, parent.recv)
        flooder.join(30)
        rss_flood = max(rss)
        stop.set()
        await sampler
        not_ok = sum(n for c in (user, reader) for s, n in c.statuses.items() if s != 200)
    return {
        "unloaded": unloaded,
        "loaded": loaded,
        "answers": answers,
        "rss": (rss_before, rss_flood, rss[-1]),
        "not_ok": not_ok,
        "seconds": seconds,
    }


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


def p95(samples: list[float]) -> float:
    return sorted(samples)[max(0, int(len(samples) * 0.95) - 1)]


def report(results: dict[str, Any]) -> list[str]:
    unloaded, loaded = results["unloaded"], results["loaded"]
    rows = [
        ("simple turn (a question)", unloaded.turns_ms, loaded.turns_ms, 2.0),
        ("legitimate receipt read", unloaded.reads_ms, loaded.reads_ms, 3.0),
    ]
    lines = [
        "| measured | unloaded p50 ms | p95 | loaded p50 ms | p95 | p50 ratio | target | met |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, calm, stormy, target in rows:
        ratio = p50(stormy) / p50(calm)
        met = "yes" if ratio <= target else "**no**"
        lines.append(
            f"| {name} | {p50(calm):.1f} | {p95(calm):.1f} | {p50(stormy):.1f} | "
            f"{p95(stormy):.1f} | {ratio:.2f}× | {target:.0f}× | {met} |"
        )
    answers: dict[str, int] = results["answers"]
    total = sum(answers.values())
    before, peak, after = results["rss"]
    failed = unloaded.failed_reads + loaded.failed_reads
    lines += [
        "",
        f"- Flood: {total} receipt look-ups in {results['seconds']:.0f} s "
        f"({total / results['seconds']:.0f}/s): "
        + ", ".join(f"{key} {count}" for key, count in sorted(answers.items())),
        f"- Legitimate reads that did not open: {failed}; answers other than HTTP 200 to the "
        f"measured user and reporter: {results['not_ok']}.",
        f"- Server RSS: {before:.0f} MiB before the flood, peak {peak:.0f} MiB during it, "
        f"{after:.0f} MiB at the end.",
        "",
        "Reading them: a wrong receipt costs one HMAC, one indexed read and one counted "
        "write, and a loop past a limit is refused from memory, so the flood never reaches "
        "Argon2id beyond the signal's 10 opens an hour; the RSS peak is the KDF pool's "
        "Argon2id memory (46 MiB per worker, one worker per CPU), bounded by the pool and "
        "returned afterwards. The p50 targets are what the issue sets; the loaded p95 of "
        "the simple turn (half a second to over a second) comes from queueing in the saturated "
        "server, "
        "not from Argon2id (the KDF pool is idle then); it was not traced further. The "
        "machine is shared with other work, so ratios move between runs.",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--reads", type=int, default=15)
    parser.add_argument("--scenario", choices=("both", "receipts", "own-signals"), default="both")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    if args.scenario in ("both", "receipts"):
        lines = intro(args) + report(asyncio.run(run(args.seconds, args.turns, args.reads)))
        print("\n".join(lines))
        if args.write:
            write_section(args.write, SECTION, lines)
    if args.scenario in ("both", "own-signals"):
        from bench import flood_own_signals as own

        results = asyncio.run(own.run(args.seconds, args.turns, args.reads))
        lines = own.report(results, args.turns, args.reads)
        print("\n".join(lines))
        if args.write:
            write_section(args.write, own.SECTION, lines)


def intro(args: argparse.Namespace) -> list[str]:
    return [
        f"Measured {date.today().isoformat()} on {machine_line()}; the real app served "
        "by web.AppRunner on 127.0.0.1 in its own process (SQLite, Argon2id 46 MiB × 1, "
        f"one KDF worker per CPU); a flood of {CLIENTS} concurrent clients in another "
        "process, half re-reading one valid receipt, half trying wrong ones (a fresh "
        "conversation every five); one normal user and one reporter measured in this "
        f"process, {args.turns} questions and {args.reads} reads per phase, unloaded "
        "then loaded, in the same run.",
        "",
    ]


if __name__ == "__main__":
    main()
