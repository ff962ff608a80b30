"""Reconnect delays: exponential ceilings, full jitter below them."""

from __future__ import annotations

import random

import pytest

from adapters.mattermost.backoff import Backoff


def test_ceilings_double_up_to_the_cap() -> None:
    backoff = Backoff(base_seconds=1.0, max_seconds=30.0)
    assert [backoff.ceiling(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_huge_failure_count_stays_at_the_cap() -> None:
    assert Backoff(base_seconds=1.0, max_seconds=60.0).ceiling(10_000) == 60.0


def test_delays_are_spread_over_the_whole_range_below_the_ceiling() -> None:
    backoff = Backoff(base_seconds=1.0, max_seconds=60.0, rng=random.Random(9))
    delays = [backoff.delay(4) for _ in range(1000)]
    assert all(0 <= d <= 8.0 for d in delays)
    # Full jitter, not "ceiling plus a little": both halves of the range are used.
    assert min(delays) < 1.0 and max(delays) > 7.0


def test_base_above_the_cap_is_refused() -> None:
    with pytest.raises(ValueError):
        Backoff(base_seconds=5.0, max_seconds=1.0)
