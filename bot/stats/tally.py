"""The one call every flow makes to count something: ``tally.add(measure, category)``."""

from __future__ import annotations

from typing import Protocol


class Tally(Protocol):
    def add(self, measure: str, category: str) -> None:
        """Count one; never blocks, never fails the flow, never logs (see recorder.py)."""


class NoTally:
    """For commands that count nothing (the adviser CLI's own housekeeping, tests)."""

    def add(self, measure: str, category: str) -> None:
        return None
