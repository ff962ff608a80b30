"""Rate limits every replica shares through the database (``rate_windows``, ``rate_buckets``).

* :class:`SharedTurnLimit`: turns per web chat conversation in a window, counted under a
  keyed hash of its token.
* :class:`SharedBucket`: the token buckets new conversations and new signals draw from.

Each check is one atomic statement with relaxed durability (:mod:`bot.limits.writes`);
nothing per token or per conversation is kept in process memory. Stale windows are
deleted by housekeeping (:func:`purge_stale_windows`, bounded per round).
"""

from __future__ import annotations

from bot.limits.buckets import NEW_CONVERSATIONS, NEW_SIGNALS, SharedBucket
from bot.limits.models import RateBucketRow, RateWindowRow
from bot.limits.windows import SharedTurnLimit, purge_stale_windows
from bot.limits.writes import LimitWrites

__all__ = [
    "NEW_CONVERSATIONS",
    "NEW_SIGNALS",
    "LimitWrites",
    "RateBucketRow",
    "RateWindowRow",
    "SharedBucket",
    "SharedTurnLimit",
    "purge_stale_windows",
]
