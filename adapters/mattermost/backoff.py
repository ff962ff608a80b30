"""How long the websocket waits before it reconnects.

Exponential backoff with "full jitter" (AWS Architecture Blog, "Exponential Backoff And
Jitter"): the n-th consecutive failure waits a uniform random time between 0 and
``min(max_seconds, base_seconds * 2 ** (n - 1))``, so replicas and restarts that lost the
server at the same moment do not come back in step. Mattermost's own web app does the same
for its socket (``webapp/platform/client/src/websocket.ts``: a retry time plus random jitter).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Backoff:
    base_seconds: float = 1.0
    max_seconds: float = 60.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not 0 <= self.base_seconds <= self.max_seconds:
            raise ValueError("backoff needs 0 <= base_seconds <= max_seconds")

    def ceiling(self, failures: int) -> float:
        """The longest wait after ``failures`` consecutive failures (1 or more)."""
        exponent = min(max(failures, 1) - 1, 62)  # 2**62 seconds is past any cap
        return float(min(self.max_seconds, self.base_seconds * 2**exponent))

    def delay(self, failures: int) -> float:
        """A wait drawn uniformly from [0, ceiling(failures)]."""
        return self.rng.uniform(0, self.ceiling(failures))
