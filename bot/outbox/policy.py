"""How the outbox retries: attempts before a notice is dead, backoff with full jitter, leases.

Full jitter (``uniform(0, min(cap, base × 2^n))``) spreads the retries of many notices that
failed together, so a channel coming back from an outage is not hit by all of them at once;
it finishes the work with the fewest calls of the jitter variants compared in "Exponential
Backoff And Jitter" (AWS Architecture Blog, 2015).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.settings import Settings


class RandomSource(Protocol):
    """What the backoff needs of a random generator; ``random.Random`` is one."""

    def uniform(self, a: float, b: float) -> float: ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int
    backoff_base_seconds: float
    backoff_max_seconds: float
    lease_seconds: float
    sent_keep_days: int

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            max_attempts=settings.outbox_max_attempts,
            backoff_base_seconds=settings.outbox_backoff_base_seconds,
            backoff_max_seconds=settings.outbox_backoff_max_seconds,
            lease_seconds=settings.outbox_lease_seconds,
            sent_keep_days=settings.outbox_sent_keep_days,
        )

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

    def ceiling(self, attempts: int) -> float:
        """The longest wait after the ``attempts``-th failed attempt (1 for the first)."""
        # The exponent is capped before it grows: 2**100 seconds is no wait anyone means.
        doublings = min(max(attempts - 1, 0), 60)
        return min(self.backoff_max_seconds, math.ldexp(self.backoff_base_seconds, doublings))

    def backoff(self, attempts: int, rng: RandomSource) -> timedelta:
        return timedelta(seconds=rng.uniform(0.0, self.ceiling(attempts)))

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
