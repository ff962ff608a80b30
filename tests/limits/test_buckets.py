"""The token buckets new conversations and new signals draw from, shared by every replica."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db import create_engine, sqlite_url
from bot.errors import ServerBusy
from bot.limits import LimitWrites, RateBucketRow, SharedBucket
from tests.limits.conftest import Now, Replica

SLOW = 0.001  # tokens a minute: none flows back while a test runs


def bucket(
    replica: Replica, burst: int, rate: float = SLOW, clock: Now | None = None
) -> SharedBucket:
    return SharedBucket(replica.writes(), "test", rate, burst, clock=clock or Now())


async def test_a_client_alternating_between_replicas_gets_the_burst_once(
    replica: Replica,
) -> None:
    one, other = bucket(replica, 3), bucket(replica, 3)
    taken = [await (one if n % 2 else other).take() for n in range(6)]
    assert taken == [True, True, True, False, False, False]


async def test_concurrent_takes_on_k_tokens_give_exactly_k(replica: Replica) -> None:
    replicas = [bucket(replica, 7) for _ in range(2)]
    await replicas[0].take()  # the row exists: every take below races on its update
    await replicas[0].take()
    results = await asyncio.gather(*(replicas[n % 2].take() for n in range(40)))
    assert results.count(True) == 5


async def test_concurrent_first_takes_on_an_unused_bucket_give_exactly_k(
    replica: Replica,
) -> None:
    replicas = [bucket(replica, 4) for _ in range(2)]
    results = await asyncio.gather(*(replicas[n % 2].take() for n in range(30)))
    assert results.count(True) == 4


async def test_tokens_flow_back_at_the_rate(replica: Replica) -> None:
    clock = Now()
    one = bucket(replica, 2, rate=60, clock=clock)  # one token a second
    assert await one.take() and await one.take() and not await one.take()
    clock.seconds += 0.5
    assert not await one.take()
    clock.seconds += 0.5
    assert await one.take()


async def test_saving_up_stops_at_the_burst(replica: Replica) -> None:
    clock = Now()
    one = bucket(replica, 2, rate=60, clock=clock)
    assert await one.take()
    clock.seconds += 3600
    assert [await one.take() for _ in range(3)] == [True, True, False]


async def test_a_replica_whose_clock_lags_mints_no_tokens(replica: Replica) -> None:
    ahead, behind = Now(1000.0), Now(900.0)
    one = bucket(replica, 2, rate=60, clock=ahead)
    lagging = bucket(replica, 2, rate=60, clock=behind)
    assert await one.take()
    assert await lagging.take()  # spends the last token, and does not move the time back
    ahead.seconds += 0.5
    assert not await one.take(), "half a second since the bucket last changed, not 100.5"


async def test_a_refused_take_writes_nothing(replica: Replica) -> None:
    clock = Now()
    one = bucket(replica, 1, rate=60, clock=clock)
    engine = replica()
    assert await one.take()
    async with engine.connect() as connection:
        before = (await connection.execute(select(RateBucketRow))).all()
    clock.seconds += 0.5
    assert not await one.take()
    async with engine.connect() as connection:
        after = (await connection.execute(select(RateBucketRow))).all()
    assert after == before


async def test_buckets_of_other_names_are_apart(replica: Replica) -> None:
    writes = replica.writes()
    conversations = SharedBucket(writes, "new-conversations", SLOW, 1)
    signals = SharedBucket(writes, "new-signals", SLOW, 1)
    assert await conversations.take() and not await conversations.take()
    assert await signals.take()


async def test_the_wait_it_gives_is_one_tokens_refill(replica: Replica) -> None:
    assert bucket(replica, 1, rate=6).seconds_until_next() == pytest.approx(10.0)


@pytest.mark.parametrize("own_pool", [False, True])
@pytest.mark.parametrize("broken", ["no tables", "no server"])
async def test_a_database_that_cannot_answer_is_busy_not_an_error(
    tmp_path: Path, broken: str, own_pool: bool
) -> None:
    # Far side of the wire: a database without the schema, or nothing listening at all.
    url = sqlite_url(tmp_path) if broken == "no tables" else "postgresql://nobody@127.0.0.1:1/none"
    engine = create_engine(url)
    writes = LimitWrites.own_pool(url) if own_pool else LimitWrites(engine)
    try:
        with pytest.raises(ServerBusy):
            await SharedBucket(writes, "test", SLOW, 1).take()
    finally:
        await writes.close()
        await engine.dispose()


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 5), (10, 0)])
def test_nonsense_limits_are_refused(tmp_path: Path, rate: float, burst: int) -> None:
    writes = LimitWrites(create_engine(sqlite_url(tmp_path)))
    with pytest.raises(ValueError, match="positive rate"):
        SharedBucket(writes, "test", rate, burst)
