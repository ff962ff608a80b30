"""Where a Mattermost turn's time goes: CPU per thread, and cProfile of the event loop by layer.

``TurnProfile`` is made in the bot's process before anything starts a thread.
``threading.setprofile`` gives each new thread a cProfile of its own at its first call, so
mattermostdriver's REST calls can be timed in the worker threads. ``start`` reads every
thread's CPU time (Linux: ``/proc/self/task/<id>/stat``) and turns the loop's profiler on;
``stop`` turns it off; ``seconds`` gives, for the time in between:

* CPU per kind of thread (the event loop, the REST worker pool, aiosqlite's connection
  threads, the rest), measured by the kernel, so C code and waits are counted right;
* the loop's busy time split by layer: every Python function's own time, plus the C
  functions it called, charged to the package of its file. Own times stay right where
  inclusive times do not (SQLAlchemy's greenlets switch stacks without return events);
* the REST calls' wall time in the workers (``QuietClient.make_request``) and how much of
  it was spent waiting in ``recv`` for the server's answer.

cProfile slows pure Python several times over, so the profiled run is slower than the
measured ones and its milliseconds are shares of a turn, not its cost.
"""

from __future__ import annotations

import cProfile
import os
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import FrameType
from typing import Any

# Path fragments → layer, first match wins; a file matching none is "other Python".
LAYERS = (
    ("/adapters/mattermost/", "our Mattermost channel (listener, turn, rendering, signing)"),
    ("/adapters/", "our other adapters (web chat health check, routes)"),
    ("/bot/", "the core (conversation, router, state, crypto)"),
    ("/dialogs/", "the core (conversation, router, state, crypto)"),
    ("/knowledge/", "the core's matcher and knowledge"),
    ("/sqlalchemy/", "SQLAlchemy async and aiosqlite (loop side)"),
    ("/aiosqlite/", "SQLAlchemy async and aiosqlite (loop side)"),
    ("/greenlet/", "SQLAlchemy async and aiosqlite (loop side)"),
    ("/aiohttp/", "aiohttp (websocket client, HTTP)"),
    ("/yarl/", "aiohttp (websocket client, HTTP)"),
    ("/multidict/", "aiohttp (websocket client, HTTP)"),
    ("/asyncio/", "asyncio and the hand-off to threads"),
    ("/concurrent/", "asyncio and the hand-off to threads"),
    ("/selectors.py", "asyncio and the hand-off to threads"),
    ("/threading.py", "asyncio and the hand-off to threads"),
)
IDLE = "<method 'poll' of 'select.epoll' objects>"
REQUEST = "mattermost/driver_client.py:make_request"
SOCKET_WAIT = "<method 'recv_into' of '_socket.socket' objects>"


def layer_of(filename: str) -> str:
    for fragment, layer in LAYERS:
        if fragment in filename:
            return layer
    return "other Python (json, logging, hmac, …)"


def _key(code: Any) -> str:
    return code if isinstance(code, str) else f"{code.co_filename}:{code.co_name}"


def loop_layers(profile: cProfile.Profile) -> dict[str, float]:
    """Own time of every Python function plus the C calls it made, by layer; no idle poll."""
    found: dict[str, float] = defaultdict(float)
    for entry in profile.getstats():
        if isinstance(entry.code, str):
            continue  # charged to its caller below
        layer = layer_of(entry.code.co_filename)
        found[layer] += entry.inlinetime
        for call in entry.calls or ():
            if isinstance(call.code, str) and call.code != IDLE:
                found[layer] += call.totaltime
    return dict(found)


def _thread_totals(profiles: Iterable[cProfile.Profile]) -> dict[str, tuple[float, float]]:
    found: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for profile in list(profiles):
        for entry in profile.getstats():
            kept = found[_key(entry.code)]
            kept[0] += entry.totaltime
            kept[1] += entry.inlinetime
    return {key: (both[0], both[1]) for key, both in found.items()}


def _request_seconds(totals: Mapping[str, tuple[float, float]]) -> tuple[float, float]:
    inclusive = sum(t for key, (t, _) in totals.items() if key.endswith(REQUEST))
    return inclusive, totals.get(SOCKET_WAIT, (0.0, 0.0))[1]


def thread_kind(thread: threading.Thread) -> str:
    if thread is threading.main_thread():
        return "event loop thread"
    if thread.name.startswith("mattermost"):
        return "REST worker threads (mattermostdriver, requests)"
    if "connection_worker" in thread.name:
        return "aiosqlite connection threads (SQLite itself)"
    return "other threads (default executor, KDF pool)"


def thread_cpu() -> dict[str, float]:
    """CPU seconds (user + system) per kind of thread alive now."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[str, float] = defaultdict(float)
    for thread in threading.enumerate():
        stat = Path(f"/proc/self/task/{thread.native_id}/stat")
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        found[thread_kind(thread)] += (int(fields[11]) + int(fields[12])) / tick
    return dict(found)


class TurnProfile:
    def __init__(self) -> None:
        self._threads: list[cProfile.Profile] = []
        self._loop = cProfile.Profile()
        self._cpu_before: dict[str, float] = {}
        self._cpu_after: dict[str, float] = {}
        self._rest_before = (0.0, 0.0)
        threading.setprofile(self._in_new_thread)

    def _in_new_thread(self, frame: FrameType, event: str, arg: object) -> None:
        profile = cProfile.Profile()
        self._threads.append(profile)
        profile.enable()  # replaces this hook for the rest of the thread's life

    def start(self) -> None:
        self._rest_before = _request_seconds(_thread_totals(self._threads))
        self._cpu_before = thread_cpu()
        self._loop.enable()

    def stop(self) -> None:
        self._loop.disable()
        self._cpu_after = thread_cpu()  # before the bot stops and its threads end

    def seconds(self) -> dict[str, float]:
        found: dict[str, float] = {}
        for kind, after in sorted(self._cpu_after.items()):
            found[f"cpu|{kind}"] = after - self._cpu_before.get(kind, 0.0)
        for layer, spent in sorted(loop_layers(self._loop).items(), key=lambda kv: -kv[1]):
            found[f"loop|{layer}"] = spent
        rest, waiting = _request_seconds(_thread_totals(self._threads))
        found["rest|wall time of the REST calls in the workers"] = rest - self._rest_before[0]
        found["rest|  of which waiting for the answer (recv)"] = waiting - self._rest_before[1]
        return found


HEADINGS = {
    "cpu": "CPU per kind of thread (kernel's count)",
    "loop": "The event loop's busy time by layer (cProfile own times)",
    "rest": "REST in the worker pool",
}


def summary_lines(seconds: Mapping[str, float], turns: int) -> list[str]:
    if not seconds or turns <= 0:
        return []
    lines = [
        f"Where the time goes: a separate run of the real app under cProfile, 10 users, {turns} "
        "turns, milliseconds per turn (cProfile slows pure Python, so these are shares of "
        "a turn, not its cost; bench/mattermost_profile.py says how each is measured):",
        "",
    ]
    shown = ""
    for key, value in seconds.items():
        group, _, label = key.partition("|")
        if group != shown:
            lines.append(f"- {HEADINGS[group]}:")
            shown = group
        indent = "    " if label.startswith("  ") else "  "
        lines.append(f"{indent}- {label.strip()}: {value * 1000 / turns:.2f} ms")
    return lines
