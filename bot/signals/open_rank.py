"""Whose receipt open goes first when the KDF pool has a queue: the quietest conversation's.

A stranger can make signals of their own and re-read them from many concurrent clients to
keep every Argon2id slot taken. The pool (:mod:`bot.seal.kdf_pool`) orders its waiters by
rank; the rank of an open is how many opens its conversation asked this process for in
the current few minutes. A reporter reading their signal once ranks 0 and goes ahead of
every conversation that has been re-reading, and a full queue drops the busiest waiter
rather than refuse the reporter.

Per process and in memory on purpose: the pool it orders is per process, and a count
forgotten at a restart only makes a conversation look quieter for a few minutes. Bounded
at ``most`` conversations (the oldest go first), so a flood of fresh conversations costs
a fixed amount of memory; a conversation forgotten that way ranks 0 again, no better than
the reporter.
"""

from __future__ import annotations

from datetime import datetime

WINDOW_SECONDS = 5 * 60
MOST = 10_000


class OpenRanks:
    __slots__ = ("_counts", "_most", "_seconds")

    def __init__(self, window_seconds: int = WINDOW_SECONDS, most: int = MOST) -> None:
        self._seconds, self._most = window_seconds, most
        self._counts: dict[tuple[str, int], int] = {}

    def take(self, bucket: str, now: datetime) -> int:
        """The rank of this open: the conversation's opens before it in this window."""
        key = (bucket, int(now.timestamp()) // self._seconds)
        rank = self._counts.pop(key, 0)
        self._counts[key] = rank + 1  # re-inserted: the most recently active go last
        while len(self._counts) > self._most:
            del self._counts[next(iter(self._counts))]
        return rank
