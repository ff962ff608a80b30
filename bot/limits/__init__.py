"""The rate limit every replica shares through the database (``rate_windows``).

* :class:`SharedTurnLimit`: turns per web chat conversation in a window, counted under a
  keyed hash of its token.

The buckets new conversations and new signals draw from stay in each process
(:class:`bot.throttle.TokenBucket`): they bound the work of the process that does it, and a
bucket shared through the database would have to store the moment it was last drawn from,
which for the signal bucket is the moment of the last signal (signals keep dates only).

Each check is one atomic statement with relaxed durability (:mod:`bot.limits.writes`).
Process memory keeps no token, and only for a bounded number of conversations whose window
is full the moment it ends, so their further turns cost no statement. Stale windows are
deleted by housekeeping (:func:`purge_stale_windows`, bounded per round).
"""

from __future__ import annotations

from bot.limits.models import RateWindowRow
from bot.limits.windows import TURN_WINDOW_SECONDS, SharedTurnLimit, purge_stale_windows
from bot.limits.writes import LimitWrites

__all__ = [
    "TURN_WINDOW_SECONDS",
    "LimitWrites",
    "RateWindowRow",
    "SharedTurnLimit",
    "purge_stale_windows",
]
