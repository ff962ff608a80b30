"""A per-conversation turn limit, so one script cannot flood the core through one token.

It lives in process memory on purpose: it is a guard, not state that matters. With
several replicas each keeps its own count, which only makes the limit looser.
Starting conversations is not limited here (there is no identity to count by:
we never look at IP addresses); a reverse proxy can limit that.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Window:
    started: float
    turns: int


class TurnRateLimiter:
    """At most ``max_turns`` per token in each window of ``window_seconds``."""

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

    def allow(self, token: str) -> bool:
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
