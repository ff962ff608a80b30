"""Mattermost turn benchmark: websocket in, REST post out, against a bare aiohttp echo, one run.

The fake Mattermost server of the tests (``tests/adapters/mattermost/fake_server.py``) runs
in this process and plays the users: each simulated user has a DM channel of its own with
the bot, posts "hoi" (the fake stores the post and sends the documented ``posted`` event
over the websocket), and waits until the bot's answer arrives at the fake over
``POST /api/v4/posts``; that wait is one turn. The bot runs in its own process (spawned),
so the users' and the fake's work does not slow it down:

* ``bare-echo``: aiohttp alone, no Meldwijzer code. A websocket client with the bot's token
  that, for every ``posted`` event by someone else, parses ``data.post`` and posts an echo
  to the same channel with an aiohttp ``ClientSession``, each in a task of its own. Same
  fake, same events, same REST call and loopback: what the wire costs by itself.
* ``adapter+echo``: our Mattermost channel (``setup_mattermost``: websocket client,
  listener with its post dedupe in SQLite, locale cache, rendering with signed buttons,
  mattermostdriver in its thread pool) around a core that answers at once with a reply of
  the menu's shape (text and seven buttons).
* ``meldwijzer``: the real app (``create_app`` with Mattermost settings, SQLite in a
  temporary folder): the same channel around the real core, which answers "hoi" with the
  menu.

    python -m bench.bench_mattermost                        # 1, 10 and 100 users
    python -m bench.bench_mattermost --users 10 --turns 100
    python -m bench.bench_mattermost --profile              # also: where a turn's time goes
    python -m bench.bench_mattermost --write bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.mattermost_bots import serve  # noqa: E402
from bench.mattermost_profile import summary_lines  # noqa: E402
from bench.results import machine_line, write_section  # noqa: E402
from tests.adapters.mattermost.fake_server import FakeMattermost, FakeUser  # noqa: E402

SECTION = "Mattermost turn (websocket in, REST post out)"
SERVERS = ("bare-echo", "adapter+echo", "meldwijzer")
MESSAGE = "hoi"
START_SECONDS = 60.0


class BotPosts:
    """Arrival times of the bot's posts at the fake, per channel (wraps its broadcast)."""

    def __init__(self, fake: FakeMattermost) -> None:
        self._fake = fake
        self._forward = fake.workspace.broadcast
        self.arrived: dict[str, asyncio.Queue[float]] = {}
        fake.workspace.broadcast = self._broadcast

    async def _broadcast(self, event: dict[str, Any], user_ids: list[str]) -> None:
        if event.get("event") == "posted":
            data = event.get("data") or {}
            if data.get("sender_name") == f"@{self._fake.bot.username}":
                self.queue(event["broadcast"]["channel_id"]).put_nowait(time.perf_counter())
        await self._forward(event, user_ids)

    def queue(self, channel_id: str) -> asyncio.Queue[float]:
        return self.arrived.setdefault(channel_id, asyncio.Queue())


@dataclass(frozen=True, slots=True)
class Result:
    server: str
    users: int
    posts_per_turn: int
    seconds: float
    latencies_ms: tuple[float, ...]

    @property
    def turns(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]


class Users:
    """Simulated users, each in a DM with the bot, one turn at a time each."""

    def __init__(self, fake: FakeMattermost, posts: BotPosts, posts_per_turn: int) -> None:
        self.fake = fake
        self.posts = posts
        self.posts_per_turn = posts_per_turn

    async def turn(self, user: FakeUser, timeout: float) -> float:
        """One post and the bot's answer to it; milliseconds until its last post arrived."""
        arrived = self.posts.queue(self.fake.direct_channel_id(user))
        began = time.perf_counter()
        await self.fake.user_posts(user, MESSAGE)
        last = began
        for _ in range(self.posts_per_turn):
            last = await asyncio.wait_for(arrived.get(), timeout)
        return (last - began) * 1000

    async def run(self, server: str, users: int, rounds: int, timeout: float) -> Result:
        people = [self.fake.add_user(f"{server}-{users}-{n}") for n in range(users)]
        # One unmeasured turn each first: the locale lookup and the new conversation.
        await asyncio.gather(*(self.turn(user, timeout) for user in people))
        latencies: list[float] = []

        async def converse(user: FakeUser) -> None:
            for _ in range(rounds):
                latencies.append(await self.turn(user, timeout))

        began = time.perf_counter()
        await asyncio.gather(*(converse(user) for user in people))
        seconds = time.perf_counter() - began
        return Result(server, users, self.posts_per_turn, seconds, tuple(latencies))


async def posts_per_turn(fake: FakeMattermost, posts: BotPosts, timeout: float) -> int:
    """How many posts the bot answers "hoi" with (the first turn, unmeasured)."""
    user = fake.add_user("counting")
    arrived = posts.queue(fake.direct_channel_id(user))
    await fake.user_posts(user, MESSAGE)
    await asyncio.wait_for(arrived.get(), timeout)
    await asyncio.sleep(1.0)  # generous: every post of the answer is in by then
    return 1 + arrived.qsize()


async def measure(
    server: str, users: Sequence[int], turns: int, timeout: float, *, profile: bool = False
) -> tuple[list[Result], dict[str, float]]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    async with FakeMattermost() as fake:
        posts = BotPosts(fake)
        with tempfile.TemporaryDirectory(prefix="meldwijzer-bench-") as data_dir:
            process = context.Process(
                target=serve,
                args=(server, fake.url, fake.bot.token, data_dir, profile, child),
                daemon=True,
            )
            process.start()
            try:
                await started(fake, process)
                count = await posts_per_turn(fake, posts, timeout)
                crowd = Users(fake, posts, count)
                if profile:
                    parent.send("profile")
                    await asyncio.to_thread(parent.recv)  # profiling from here on
                results = [await crowd.run(server, n, max(3, turns // n), timeout) for n in users]
                parent.send("stop")
                # Off the loop: the bot's socket closes with the fake's answer while we wait.
                answered = await asyncio.to_thread(parent.poll, 60)
                report = await asyncio.to_thread(parent.recv) if answered else {}
            finally:
                process.join(30)
                if process.is_alive():
                    process.kill()
        if fake.shape_errors:
            raise SystemExit(f"{server}: requests the API reference refuses: {fake.shape_errors}")
    return results, report


async def started(fake: FakeMattermost, process: BaseProcess) -> None:
    deadline = time.monotonic() + START_SECONDS
    while fake.sockets_open < 1:
        if time.monotonic() > deadline or not process.is_alive():
            raise SystemExit("the bot did not open its websocket within a minute")
        await asyncio.sleep(0.05)


# ---- report --------------------------------------------------------------------------


def load_average() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def machine(load_at_start: str) -> str:
    return (
        f"{machine_line()}, aiohttp {aiohttp.__version__}; load average (1, 5, 15 min) "
        f"{load_at_start} at the start, {load_average()} at the end"
    )


def table(results: Sequence[Result]) -> list[str]:
    bare = {r.users: r for r in results if r.server == "bare-echo"}
    lines = [
        "| bot | users | turns | posts/turn | turns/s | p50 ms | p99 ms "
        "| × bare turns/s | × bare p50 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        base = bare.get(r.users, r)
        rate, p50 = r.throughput / base.throughput, r.percentile(50) / base.percentile(50)
        lines.append(
            f"| {r.server} | {r.users} | {r.turns} | {r.posts_per_turn} | {r.throughput:.0f} "
            f"| {r.percentile(50):.1f} | {r.percentile(99):.1f} | {rate:.2f} | {p50:.1f} |"
        )
    return lines


def ratios(results: Sequence[Result]) -> list[str]:
    bare = {r.users: r for r in results if r.server == "bare-echo"}
    lines = []
    for r in results:
        base = bare.get(r.users)
        if r.server != "bare-echo" and base is not None:
            lines.append(
                f"- {r.users} users, {r.server}: {r.throughput / base.throughput:.0%} of the "
                f"bare echo's turns/s; p50 {r.percentile(50) / base.percentile(50):.1f}x, "
                f"p99 {r.percentile(99) / base.percentile(99):.1f}x as long."
            )
    return lines


NOTES = [
    "",
    "Reading them: the bare echo does no more than the wire asks (no dedupe, no database, "
    "no locale, no signing, aiohttp's own HTTP client on the loop). A Meldwijzer turn adds "
    "the post's claim in SQLite (one INSERT, so a replayed event or a second replica "
    "answers once), the conversation's state, seven signed button tokens, and the reply "
    "through mattermostdriver's synchronous `requests` in a pool of 4 threads; at most 4 "
    "turns run at once (adapters/mattermost/turns.py), so with 100 users most of a turn's "
    "time is its wait in line, and turns/s, not latency, is the figure to compare there. "
    "The gap from bare-echo to adapter+echo is our channel; from adapter+echo to "
    "meldwijzer, the core. The machine is shared and was loaded (load average above, on 2 "
    "cores): rows move by about ±30% between runs, enough to swap adapter+echo and "
    "meldwijzer when they are close.",
]


def intro(turns: int, load_at_start: str) -> list[str]:
    return [
        f"Measured {date.today().isoformat()} on {machine(load_at_start)}.",
        f"About {turns} measured turns per row (each user at least 3) after one unmeasured "
        "turn per user; a turn is the time from the user's post at the fake Mattermost "
        "server (tests/adapters/mattermost/fake_server.py, in the benchmark's process) to the "
        "bot's answer arriving there over POST /api/v4/posts. The bot runs in its own process "
        "on 127.0.0.1; every user has a DM channel of its own and posts again once answered.",
        "",
        "* bare-echo: aiohttp alone: a websocket client that answers every `posted` event "
        "with one aiohttp POST /api/v4/posts to the same channel, each in its own task. The "
        "fair baseline: the same fake, events, REST call and loopback, and nothing else.",
        "* adapter+echo: our Mattermost channel (websocket client, listener with the post "
        "dedupe in SQLite, locale cache, rendering with signed buttons, mattermostdriver in "
        "its thread pool of 4) around a core that answers at once with the menu's shape "
        "(text and seven buttons).",
        "* meldwijzer: the real app (create_app with Mattermost settings, SQLite in a "
        'temporary folder) answering "hoi" with the menu.',
        "",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--turns", type=int, default=300, help="measured turns per row")
    parser.add_argument("--bots", nargs="+", choices=SERVERS, default=list(SERVERS))
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait a turn")
    parser.add_argument("--profile", action="store_true", help="also profile the real app")
    parser.add_argument("--write", type=Path, help="update the section in this Markdown file")
    args = parser.parse_args(argv)
    load_at_start = load_average()

    results: list[Result] = []
    for server in args.bots:
        found, _ = asyncio.run(measure(server, args.users, args.turns, args.timeout))
        results += found
    lines = [*intro(args.turns, load_at_start), *table(results), "", *ratios(results), *NOTES]
    if args.profile:
        profiled, report = asyncio.run(
            measure("meldwijzer", [10], args.turns, args.timeout, profile=True)
        )
        # The profile also covers each user's unmeasured first turn.
        turns = sum(r.turns + r.users for r in profiled)
        lines += ["", *summary_lines(report, turns)]
    print("\n".join(lines))
    if args.write:
        write_section(args.write, SECTION, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
