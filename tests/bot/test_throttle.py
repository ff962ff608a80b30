"""The in-memory token bucket: the web chat adapter's default when it runs on its own."""

from __future__ import annotations

import pytest

from bot.throttle import TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_full_bucket_allows_its_burst_then_refuses() -> None:
    bucket = TokenBucket(60, 3, clock=Clock())
    assert [await bucket.take() for _ in range(4)] == [True, True, True, False]


async def test_tokens_flow_back_at_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(60, 2, clock=clock)  # one token a second
    assert await bucket.take() and await bucket.take() and not await bucket.take()
    assert bucket.seconds_until_next() == pytest.approx(1.0)
    clock.now += 0.5
    assert not await bucket.take()
    clock.now += 0.5
    assert await bucket.take()


async def test_saving_up_stops_at_the_burst() -> None:
    clock = Clock()
    bucket = TokenBucket(60, 2, clock=clock)
    clock.now += 3600
    assert [await bucket.take() for _ in range(3)] == [True, True, False]


async def test_a_clock_that_goes_back_adds_nothing() -> None:
    clock = Clock()
    bucket = TokenBucket(60, 1, clock=clock)
    assert await bucket.take()
    clock.now -= 100
    assert not await bucket.take()


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 5), (10, 0)])
def test_nonsense_limits_are_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="positive rate"):
        TokenBucket(rate, burst)
