"""A token bucket in process memory: bounded work for traffic with no identity to count by.

The web chat has no login and we never look at IP addresses, so a limit cannot be per
person. What a stranger can be kept from is making the server do unbounded work: new
conversations and new signals draw from one bucket each. Follow-up on an existing signal
never draws from them, so a flood of new traffic cannot keep anyone from their signal.

Each replica keeps its own buckets, on purpose: they bound the work of the process that
does it (its Argon2id pool above all), so N replicas admit N times the rate and each does
at most its share. Shared through the database, a bucket would have to store the moment it
was last drawn from, and for the signal bucket that is the moment of the last signal, where
signals keep dates only (docs/security.md). The turn limit per conversation is shared
(:mod:`bot.limits`): it is about one client, not one process's work.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    """``rate_per_minute`` tokens flow in steadily; at most ``burst`` are saved up."""

    __slots__ = ("_burst", "_clock", "_level", "_per_second", "_updated")

    def __init__(
        self,
        rate_per_minute: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_minute <= 0 or burst < 1:
            raise ValueError("a token bucket needs a positive rate and a burst of at least 1")
        self._per_second = rate_per_minute / 60.0
        self._burst = float(burst)
        self._clock = clock
        self._level = float(burst)
        self._updated = clock()

    async def take(self) -> bool:
        """Spend one token if there is one; False means "busy, try again shortly"."""
        now = self._clock()
        elapsed = max(0.0, now - self._updated)
        self._updated = now
        self._level = min(self._burst, self._level + elapsed * self._per_second)
        if self._level < 1.0:
            return False
        self._level -= 1.0
        return True

    def seconds_until_next(self) -> float:
        """How long until one token is available (0 if one is), for a Retry-After header."""
        missing = 1.0 - self._level
        return 0.0 if missing <= 0 else missing / self._per_second
