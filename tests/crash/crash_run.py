"""The crash run: reporters leave signals while the server is killed at random moments.

Each round starts ``serve``, lets a few reporters submit signals through the web chat, and
SIGKILLs the server after a random time, usually with requests in flight. While it is down
the SQLite file is checked (:mod:`tests.crash.stored_rows`); after the restart every signal
acknowledged in that round is read back through the web chat follow-up. What goes wrong is
collected in ``problems`` with the round it happened in, for the tests to report.
"""

from __future__ import annotations

import asyncio
import random
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bot.seal import ReceiptIndex
from dialogs.messages import Messages
from tests.crash.serve_process import ServeProcess
from tests.crash.stored_rows import read_stored_rows
from tests.crash.webchat_reporter import Acknowledged, NoReceipt, WebchatReporter

# What a request to a server that is being killed may raise; before the kill, each is a bug.
GONE = (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError)
READS_PER_CONVERSATION = 10
OPENED = Messages.load().text(
    "nl", "follow_up.status_open"
)  # well under the web chat's 30 turns a minute per conversation


@dataclass(frozen=True, slots=True)
class CrashPlan:
    signals: int  # at least this many acknowledged
    kills: int  # at least this many SIGKILLs
    reporters: int  # at once, so a kill usually finds some mid-request
    alive_seconds: tuple[float, float]  # a round lasts uniform(low, high) before the kill
    seed: int
    max_rounds: int = 60


@dataclass(slots=True)
class CrashRun:
    server: ServeProcess
    db_file: Path
    index: ReceiptIndex
    advisers: int  # every signal is sealed to each of them
    plan: CrashPlan
    acknowledged: list[Acknowledged] = field(default_factory=list)
    unacknowledged: int = 0  # intake forms sent whose receipt never came back
    stored_unacknowledged: int = 0  # of those, stored all the same (committed, reply lost)
    problems: list[str] = field(default_factory=list)
    kills: int = 0
    read_back: int = 0

    async def drive(self) -> None:
        """Rounds until enough signals and kills; ends with the server running."""
        rng = random.Random(self.plan.seed)
        self.server.start()
        for _ in range(self.plan.max_rounds):
            if len(self.acknowledged) >= self.plan.signals and self.kills >= self.plan.kills:
                return
            round_acks = await self._round(rng.uniform(*self.plan.alive_seconds))
            self.check_rows(f"down after kill {self.kills}")
            self.server.start()
            await self._read_back(round_acks, f"after restart {self.kills}")
        self.problems.append(f"not done after {self.plan.max_rounds} rounds")

    async def _round(self, alive: float) -> list[Acknowledged]:
        acks: list[Acknowledged] = []
        killed = asyncio.Event()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            reporter = WebchatReporter(session, self.server.base_url)
            tasks = [
                asyncio.create_task(self._report(reporter, killed, acks))
                for _ in range(self.plan.reporters)
            ]
            await asyncio.sleep(alive)
            killed.set()  # first, so whatever fails from here on is the kill's doing
            self.server.kill()
            self.kills += 1
            await asyncio.gather(*tasks)
        return acks

    async def _report(
        self, reporter: WebchatReporter, killed: asyncio.Event, acks: list[Acknowledged]
    ) -> None:
        while not killed.is_set():
            try:
                token = await reporter.open_intake()
            except GONE as exc:
                self._unless(killed, f"round {self.kills}: opening the intake failed: {exc!r}")
                return
            marker = f"Crashtest {len(self.acknowledged):04d} {secrets.token_hex(8)}"
            try:
                ack = await reporter.submit(token, marker)
            except (*GONE, NoReceipt, AssertionError) as exc:
                self.unacknowledged += 1
                self._unless(killed, f"round {self.kills}: no receipt: {exc!r}")
                return
            self.acknowledged.append(ack)
            acks.append(ack)

    def _unless(self, killed: asyncio.Event, problem: str) -> None:
        if not killed.is_set():
            self.problems.append(problem)

    def check_rows(self, when: str) -> None:
        """Every acknowledged signal is there and whole; nothing else is, or only whole."""
        stored = read_stored_rows(self.db_file)
        expected = {self.index.lookup_key(a.receipt) for a in self.acknowledged}
        lost = len(expected - stored.lookup_keys)
        extra = len(stored.lookup_keys - expected)
        self.stored_unacknowledged = extra
        checks = {
            f"{lost} acknowledged signal(s) missing": lost == 0,
            f"{extra} unacknowledged signal(s) stored, but only {self.unacknowledged} were "
            "sent without a receipt": extra <= self.unacknowledged,
            f"signals without their content message: {len(stored.without_content)}": (
                not stored.without_content
            ),
            f"wraps per signal {sorted(stored.wrap_counts)}, expected {self.advisers}": (
                stored.wrap_counts <= {self.advisers}
            ),
            f"{stored.orphans} message(s)/wrap(s) of no signal": stored.orphans == 0,
            f"{stored.messages} messages for {stored.signals} signals": (
                stored.messages == stored.signals
            ),
            f"{stored.wraps} wraps for {stored.signals} signals": (
                stored.wraps == stored.signals * self.advisers
            ),
        }
        self.problems += [f"{when}: {problem}" for problem, ok in checks.items() if not ok]

    async def _read_back(self, acks: list[Acknowledged], when: str) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            reporter = WebchatReporter(session, self.server.base_url)
            token = ""
            for number, ack in enumerate(acks):
                if number % READS_PER_CONVERSATION == 0:
                    token = await reporter.start()
                text = await reporter.read_back(token, ack.receipt)
                self.read_back += 1
                # The reporter's view names no content (dialogs/follow_up.py), so this says
                # the receipt opens a signal; which one is checked in the core at the end.
                if OPENED not in text:
                    self.problems.append(f"{when}: a receipt opens nothing")
