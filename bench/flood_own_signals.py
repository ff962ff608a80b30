"""Second flood scenario: a stranger keeps the KDF pool busy re-reading signals of their own.

A stranger's own receipts are valid, so every re-read costs an Argon2id run until that
signal's opens for the hour are used up. Before the flood, the stranger leaves
``SIGNALS`` signals through the real web chat (the server starts with a signal burst
raised just enough for this setup; once it is spent the default rate applies). Then
``CLIENTS`` concurrent clients in another process re-read them round-robin, each in its
own conversation (a fresh one every 25 turns, within the web chat's turn limit). The
legitimate reporter reads their own signal, unloaded then under the flood, in the same
run; what counts is how long a read takes and how many were refused as busy.

Run by ``python -m bench.bench_flood`` (both scenarios) or ``--scenario own-signals``.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from datetime import date
from multiprocessing.connection import Connection
from typing import Any

import aiohttp

from bench.bench_flood import (
    ANSWERS,
    FOLLOW_UP,
    Chat,
    english,
    p50,
    p95,
    phase,
    sample_rss,
    served,
)
from bench.results import machine_line

SIGNALS = 100
CLIENTS = 40
SIGNALS_PER_CHAT = 8  # 24 turns: one conversation, within its 25
SECTION = "Own-signal flood (KDF pool)"


def flood(base: str, receipts: list[str], seconds: float, conn: Connection) -> None:
    conn.send(asyncio.run(_flood(base, receipts, seconds)))


async def _flood(base: str, receipts: list[str], seconds: float) -> dict[str, int]:
    texts = {english(key): key for key in ANSWERS}
    answers: Counter[str] = Counter()
    deadline, turn = time.monotonic() + seconds, itertools.count()

    async def client(session: aiohttp.ClientSession) -> None:
        chat = Chat(session, base, FOLLOW_UP)
        while time.monotonic() < deadline:
            replies = await chat.read(receipts[next(turn) % len(receipts)])
            if replies:
                answers[texts.get(str(replies[0]["text"]), "opened")] += 1
        for status, count in chat.statuses.items():
            if status != 200:
                answers[f"HTTP {status}"] += count

    connector = aiohttp.TCPConnector(limit=CLIENTS)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(client(session) for _ in range(CLIENTS)))
    return dict(answers)


async def measure(
    base: str, pid: int, context: Any, seconds: float, turns: int, reads: int
) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session:
        # The reporter's own signals: a few, so that 15 reads stay under 10 opens an hour each.
        mine = [await Chat(session, base).submit_signal() for _ in range(5)]
        theirs: list[str] = []
        while len(theirs) < SIGNALS:
            chat = Chat(session, base)
            for _ in range(min(SIGNALS_PER_CHAT, SIGNALS - len(theirs))):
                theirs.append(await chat.submit_signal())
        user, reader = Chat(session, base), Chat(session, base, FOLLOW_UP)
        await phase(user, reader, mine[0], 10, 2)  # warm-up, not counted
        rss: list[float] = []
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_rss(pid, rss, stop))
        unloaded = await phase(user, reader, (mine[1], mine[2]), turns, reads)
        rss_before = max(rss)
        parent, child = context.Pipe()
        flooder = context.Process(target=flood, args=(base, theirs, seconds, child), daemon=True)
        flooder.start()
        await asyncio.sleep(min(3.0, seconds / 4))  # let the flood reach its stride
        began = time.monotonic()
        # The reporter comes back in a fresh conversation, as a person would: the pool ranks
        # an open by how many its conversation asked for lately, and 17 reads in a few
        # minutes would make this one look like the stranger's.
        reader = Chat(session, base, FOLLOW_UP)
        loaded = await phase(user, reader, (mine[3], mine[4]), turns, reads)
        measured_s = time.monotonic() - began
        answers = await asyncio.get_running_loop().run_in_executor(None, parent.recv)
        flooder.join(30)
        stop.set()
        await sampler
    return {
        "unloaded": unloaded,
        "loaded": loaded,
        "answers": answers,
        "rss": (rss_before, max(rss), rss[-1]),
        "seconds": seconds,
        "measured_s": measured_s,
    }


async def run(seconds: float, turns: int, reads: int) -> dict[str, Any]:
    # The raised burst is spent on the setup's signals; the flood runs at the default rate.
    overrides = {"signals_burst": SIGNALS + 10}
    return await served(
        overrides, lambda base, pid, context: measure(base, pid, context, seconds, turns, reads)
    )


def report(results: dict[str, Any], turns: int, reads: int) -> list[str]:
    from bot.settings import Settings

    defaults = Settings()
    unloaded, loaded = results["unloaded"], results["loaded"]
    answers: dict[str, int] = results["answers"]
    total = sum(answers.values())
    before, peak, after = results["rss"]
    intro = (
        f"Measured {date.today().isoformat()} on {machine_line()}; the real app as for the "
        f"receipt flood, default settings (a KDF queue of {defaults.kdf_queue} waiting at most "
        f"{defaults.kdf_wait_seconds:.0f} s, {defaults.receipt_opens_per_signal} opens per "
        f"signal an hour) but a signal burst of {SIGNALS + 10} spent on the setup. A stranger "
        f"left {SIGNALS} signals through the web chat, then {CLIENTS} concurrent clients in "
        "another process re-read them round-robin (a conversation each, a fresh one every 25 "
        "turns); one user and the reporter (back in a fresh conversation for the loaded phase) "
        f"measured in this process, {turns} questions and "
        f"{reads} reads of the reporter's own signals (two a phase, within their opens an hour) "
        "per phase, unloaded then loaded."
    )
    lines = [
        intro,
        "",
        "| measured | unloaded p50 ms | p95 | loaded p50 ms | p95 | p50 ratio | target | met |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, calm, stormy, target in (
        ("simple turn (a question)", unloaded.turns_ms, loaded.turns_ms, 2.0),
        ("reporter reads own signal", unloaded.reads_ms, loaded.reads_ms, 3.0),
    ):
        ratio = p50(stormy) / p50(calm)
        met = "yes" if ratio <= target else "**no**"
        lines.append(
            f"| {name} | {p50(calm):.1f} | {p95(calm):.1f} | {p50(stormy):.1f} | "
            f"{p95(stormy):.1f} | {ratio:.2f}× | {target:.0f}× | {met} |"
        )
    lines += [
        "",
        f"- Reporter's reads refused as busy: {unloaded.busy_reads} of {len(unloaded.reads_ms)} "
        f"unloaded, {loaded.busy_reads} of {len(loaded.reads_ms)} under the flood; reads that "
        f"did not open for any reason: {unloaded.failed_reads + loaded.failed_reads}.",
        f"- Flood: {total} re-reads in {results['seconds']:.0f} s "
        f"({total / results['seconds']:.0f}/s): "
        + ", ".join(f"{key} {count}" for key, count in sorted(answers.items()))
        + f"; the loaded phase took {results['measured_s']:.1f} s of it.",
        f"- Server RSS: {before:.0f} MiB before the flood, peak {peak:.0f} MiB during it, "
        f"{after:.0f} MiB at the end.",
    ]
    return lines
