"""What the web chat needs of its limits, and the in-memory turn limit it uses by default.

The adapter sees only two protocols: :class:`TurnLimit` (turns per conversation token) and
:class:`Admission` (the bucket new conversations draw from). ``bot.app`` hands it the turn
limit every replica shares through the database (:mod:`bot.limits`) and this process's own
bucket (:mod:`bot.throttle` says why that one is not shared); the in-memory turn limit here
is the default for the adapter on its own (its tests, a single process trying it out).

Either may raise :class:`~bot.errors.ServerBusy` when it cannot tell (its database is
down): the adapter answers 503 "busy" and the turn does not happen.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class TurnLimit(Protocol):
    """Counts one turn for a conversation token; False when it is over the limit."""

    async def allow(self, token: str) -> bool: ...


class Admission(Protocol):
    """Admits new conversations as a whole: there is no identity to count them by."""

    async def take(self) -> bool: ...

    def seconds_until_next(self) -> float:
        """How long until a refused take could succeed (an upper bound will do)."""
        ...


@dataclass(slots=True)
class _Window:
    started: float
    turns: int


class TurnRateLimiter:
    """At most ``max_turns`` per token in each window of ``window_seconds``, in this process.

    Bounded at ``max_tracked`` tokens (the least recently used go first): a flood of
    conversations costs a fixed amount of memory, and a forgotten one only starts afresh.
    """

    def __init__(
        self,
        max_turns: int = 30,
        window_seconds: float = 60.0,
        *,
        max_tracked: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_turns = max_turns
        self.window_seconds = window_seconds
        self.max_tracked = max_tracked
        self._clock = clock
        self._windows: OrderedDict[str, _Window] = OrderedDict()

    async def allow(self, token: str) -> bool:
        """Count one turn for ``token``; False when it is over the limit."""
        now = self._clock()
        window = self._windows.pop(token, None)
        if window is None or now - window.started >= self.window_seconds:
            window = _Window(started=now, turns=0)
        window.turns += 1
        self._windows[token] = window  # most recently used goes last
        while len(self._windows) > self.max_tracked:
            self._windows.popitem(last=False)
        return window.turns <= self.max_turns
