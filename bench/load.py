"""Concurrent users against one or more servers, and baseline servers in a process of their own.

Shared by the Teams and signal benchmarks: ``drive`` runs ``users`` coroutines side by side,
each timing the requests it counts; ``ChildServer`` serves an aiohttp app from a function in
a spawned process, so a baseline has its own interpreter as a replica does.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import socket
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.crash.serve_process import free_port


@dataclass(frozen=True, slots=True)
class Load:
    """What ``users`` concurrent users got: counted requests, failures, latencies."""

    users: int
    seconds: float
    latencies_ms: tuple[float, ...]
    failed: int

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else 0.0
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]


@dataclass(slots=True)
class Recorder:
    """One user's view: ``timed`` counts a request, ``fail`` counts one that went wrong."""

    latencies: list[float] = field(default_factory=list)
    failed: int = 0

    async def timed(self, request: Awaitable[bool]) -> bool:
        began = time.perf_counter()
        ok = await request
        self.latencies.append((time.perf_counter() - began) * 1000)
        if not ok:
            self.failed += 1
        return ok


User = Callable[[int, Recorder], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Row:
    """One measured line: the database, the server ("N replica(s)" or a baseline), the load."""

    database: str
    server: str
    load: Load
    load_average: float


def table(rows: list[Row], counted: str, baseline: Callable[[Row], Load], digits: int) -> list[str]:
    """The rows as Markdown, each with its throughput against ``baseline(row)``'s."""
    lines = [
        f"| database | server | users | {counted} | failed | {counted}/s | p50 ms | p95 ms "
        "| p99 ms | × baseline | load |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = r.load.per_second / baseline(r).per_second
        lines.append(
            f"| {r.database} | {r.server} | {r.load.users} | {len(r.load.latencies_ms)} "
            f"| {r.load.failed} | {r.load.per_second:.1f} | {r.load.percentile(50):.1f} "
            f"| {r.load.percentile(95):.1f} | {r.load.percentile(99):.1f} "
            f"| {ratio:.{digits}f} | {r.load_average:.1f} |"
        )
    return lines


async def drive(users: int, user: User) -> Load:
    """``user(n, recorder)`` for n in range(users), all at once; their counts added up."""
    recorders = [Recorder() for _ in range(users)]
    began = time.perf_counter()
    await asyncio.gather(*(user(n, recorder) for n, recorder in enumerate(recorders)))
    seconds = time.perf_counter() - began
    latencies = tuple(ms for r in recorders for ms in r.latencies)
    return Load(users, seconds, latencies, sum(r.failed for r in recorders))


def _serve(build: Callable[..., web.Application], port: int, args: tuple[Any, ...]) -> None:
    web.run_app(build(*args), host="127.0.0.1", port=port, access_log=None, print=None)


@contextlib.contextmanager
def child_server(build: Callable[..., web.Application], *args: Any) -> Iterator[str]:
    """``build(*args)`` served on a free loopback port in a spawned process; its base URL."""
    port = free_port()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(build, port, args), daemon=True
    )
    process.start()
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline or not process.is_alive():
                raise SystemExit(f"{build.__name__} did not start")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.join(10)
