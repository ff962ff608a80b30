"""A bounded memo for pure functions of text, so repeated work on one message is done once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

Key = TypeVar("Key")
Value = TypeVar("Value")


class BoundedMemo(Generic[Key, Value]):
    """Remembers at most ``size`` results; the oldest is forgotten first.

    The bound matters: the keys come from strangers' messages. Used from one thread (the
    event loop); a lost update under threads would only cost a recomputation.
    """

    __slots__ = ("_results", "_size")

    def __init__(self, size: int) -> None:
        self._size = size
        self._results: dict[Key, Value] = {}

    def get(self, key: Key, compute: Callable[[Key], Value]) -> Value:
        found = self._results.get(key)
        if found is None:
            found = compute(key)
            if len(self._results) >= self._size:
                self._results.pop(next(iter(self._results)), None)
            self._results[key] = found
        return found

    def __len__(self) -> int:
        return len(self._results)
