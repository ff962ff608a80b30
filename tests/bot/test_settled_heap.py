"""``serve`` takes what start-up built out of the garbage collector's way before it is ready.

Every full collection used to walk the knowledge base, the classifier and the modules
(some hundred thousand objects that live as long as the process), holding up the turns in
flight; frozen once after start-up, a full collection walks only what turns allocate.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import weakref
from collections.abc import Iterator

import pytest
from aiohttp import web

from bot.server import ServerLimits, run, settle_heap


@pytest.fixture
def thawed() -> Iterator[None]:
    """Give the test process its collector back, whatever the test froze."""
    gc.unfreeze()
    yield
    gc.unfreeze()


class Garbage:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_settling_collects_the_garbage_first_and_freezes_the_rest(thawed: None) -> None:
    kept = [[n] for n in range(1000)]  # lists: objects the collector tracks
    cycle = weakref.ref(Garbage())
    settle_heap()
    assert gc.get_freeze_count() >= len(kept)
    # Nothing that was garbage at the time was frozen: the cycle above was collected.
    assert cycle() is None


def test_serve_settles_the_heap_after_start_up_and_before_it_is_ready(thawed: None) -> None:
    seen: dict[str, int] = {}
    app = web.Application()

    async def start_up(_app: web.Application) -> None:
        seen["at start-up"] = gc.get_freeze_count()

    app.on_startup.append(start_up)

    def ready() -> None:
        seen["when ready"] = gc.get_freeze_count()
        # Once serve listens for it: stop gracefully, as an admin's systemctl does.
        asyncio.get_running_loop().call_soon(os.kill, os.getpid(), signal.SIGTERM)

    run(app, "127.0.0.1", 0, ServerLimits(), ready)
    assert seen["at start-up"] == 0
    assert seen["when ready"] > 10_000  # the modules, the app and all else start-up built
