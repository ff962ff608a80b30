"""Background loops that stop between rounds, not in the middle of one.

Cancelling a task while it waits on the database leaves the driver's work running (aiosqlite
finishes the call on its own thread and then reports to an event loop that may be gone), and
a round cut short may leave a claimed notice to its lease. So a serving process's loops wait
on one :class:`Stopping` event instead of sleeping, finish the round they are in when it is
set, and are cancelled only if they do not finish within a grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from typing import Any

GRACE_SECONDS = 10.0


class Stopping:
    def __init__(self) -> None:
        self._event = asyncio.Event()

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def request(self) -> None:
        self._event.set()

    async def pause(self, seconds: float) -> bool:
        """Wait ``seconds`` or until a stop is requested; True when it was."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), seconds)
        return self._event.is_set()


@contextlib.asynccontextmanager
async def looping(
    *loops: Coroutine[Any, Any, None], stopping: Stopping, grace: float = GRACE_SECONDS
) -> AsyncIterator[None]:
    """Run ``loops`` (which watch ``stopping``) while the body runs; then stop them gently."""
    tasks = [asyncio.create_task(loop) for loop in loops]
    try:
        yield
    finally:
        stopping.request()
        _, late = await asyncio.wait(tasks, timeout=grace)
        for task in late:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
