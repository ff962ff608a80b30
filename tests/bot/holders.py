"""Several lock holders in one test: their work records when it runs, and a watcher fails the
test the moment two of them run at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.leadership import ListenerLock
from bot.stopping import Stopping

TAKEOVER_SECONDS = 30.0  # the bound a takeover must meet; only ever a timeout


@dataclass
class Timeline:
    """Start and stop events of every holder's work, in the order they happened."""

    events: list[tuple[str, str]] = field(default_factory=list)
    running: set[str] = field(default_factory=set)
    overlaps: list[tuple[str, ...]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def record(self, holder: str, what: str) -> None:
        self.events.append((holder, what))
        if what == "start":
            self.running.add(holder)
        else:
            self.running.discard(holder)
        if len(self.running) > 1:
            self.overlaps.append(tuple(sorted(self.running)))
        self.changed.set()

    def starts(self, holder: str) -> int:
        return self.events.count((holder, "start"))

    def forever(self, holder: str) -> Callable[[], Awaitable[None]]:
        """Work that runs until it is cancelled, as the websocket listener does."""

        async def work() -> None:
            self.record(holder, "start")
            try:
                await asyncio.Event().wait()
            finally:
                self.record(holder, "stop")

        return work

    async def until(self, condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(TAKEOVER_SECONDS):
            while not condition():
                self.changed.clear()
                await self.changed.wait()


@dataclass
class Holder:
    """One replica: its lock, its stop signal and the task running its work."""

    name: str
    lock: ListenerLock
    stopping: Stopping
    task: asyncio.Task[None]

    @classmethod
    def start(cls, name: str, lock: ListenerLock, timeline: Timeline) -> Holder:
        stopping = Stopping()
        task = asyncio.create_task(lock.run_while_leading(timeline.forever(name), stopping))
        return cls(name, lock, stopping, task)

    async def stop(self) -> None:
        self.stopping.request()
        async with asyncio.timeout(TAKEOVER_SECONDS):
            await self.task


async def until_role(lock: ListenerLock, role: str) -> None:
    """Wait (within the takeover bound) until ``lock`` has ``role``; roles change on polls."""
    await settled(lambda: lock.role == role)


async def settled(condition: Callable[[], bool]) -> None:
    """Wait (within the takeover bound) until ``condition`` holds."""
    async with asyncio.timeout(TAKEOVER_SECONDS):
        while not condition():
            await asyncio.sleep(0.01)
