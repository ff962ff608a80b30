"""In-process counters: how many signals, look-ups and refusals, never when or whose.

A log line per signal would mark the moment someone spoke up; a count does not. The
counts live in this process only (they are statistics for an operator, not state) and
carry no time, id or conversation.
"""

from __future__ import annotations

from collections import Counter


class EventCounters:
    """``count("signal_received")``; ``snapshot()`` for an operator's view or a test."""

    __slots__ = ("_counts",)

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    def count(self, event: str) -> None:
        self._counts[event] += 1

    def snapshot(self) -> dict[str, int]:
        return dict(self._counts)
