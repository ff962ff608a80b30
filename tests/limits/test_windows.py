"""Turns per web chat conversation, counted in windows every replica shares."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from bot.db import create_engine, sqlite_url
from bot.errors import ServerBusy
from bot.limits import LimitWrites, RateWindowRow, SharedTurnLimit, purge_stale_windows
from tests.limits.conftest import SECRET, Now, Replica

TOKEN = "token-canary-5f1e"


def limit(
    replica: Replica, most: int, clock: Now | None = None, secret: bytes = SECRET
) -> SharedTurnLimit:
    return SharedTurnLimit(replica.writes(), secret, most=most, clock=clock or Now())


async def all_rows(replica: Replica) -> list[tuple[object, ...]]:
    async with replica().connect() as connection:
        result = await connection.execute(select(RateWindowRow).order_by(RateWindowRow.bucket))
        return [tuple(row) for row in result.all()]


async def test_a_client_alternating_between_replicas_gets_the_allowance_once(
    replica: Replica,
) -> None:
    one, other = limit(replica, 5), limit(replica, 5)
    allowed = [await (one if n % 2 else other).allow(TOKEN) for n in range(8)]
    assert allowed == [True] * 5 + [False] * 3


async def test_turns_at_once_cannot_slip_past_the_limit(replica: Replica) -> None:
    replicas = [limit(replica, 7) for _ in range(2)]
    assert await replicas[0].allow(TOKEN)  # the row exists: the rest race on its update
    results = await asyncio.gather(*(replicas[n % 2].allow(TOKEN) for n in range(30)))
    assert results.count(True) == 6


async def test_first_turns_at_once_cannot_slip_past_the_limit(replica: Replica) -> None:
    replicas = [limit(replica, 3) for _ in range(2)]
    results = await asyncio.gather(*(replicas[n % 2].allow(TOKEN) for n in range(20)))
    assert results.count(True) == 3


async def test_each_conversation_has_its_own_count(replica: Replica) -> None:
    one = limit(replica, 1)
    assert await one.allow(TOKEN) and not await one.allow(TOKEN)
    assert await one.allow("another-token")


async def test_a_new_window_begins_when_the_last_one_ended(replica: Replica) -> None:
    clock = Now()
    one = limit(replica, 2, clock)
    assert await one.allow(TOKEN) and await one.allow(TOKEN)
    clock.seconds += 59
    assert not await one.allow(TOKEN)
    clock.seconds += 1
    assert [await one.allow(TOKEN) for _ in range(3)] == [True, True, False]


async def test_a_replica_whose_clock_lags_does_not_start_a_window_over(replica: Replica) -> None:
    ahead, behind = Now(1000.0), Now(900.0)
    one, lagging = limit(replica, 2, ahead), limit(replica, 2, behind)
    assert await one.allow(TOKEN)
    assert await lagging.allow(TOKEN)
    assert not await lagging.allow(TOKEN)
    ahead.seconds += 30
    assert not await one.allow(TOKEN), "the window began at 1000 and is still full"


async def test_a_refused_turn_writes_nothing(replica: Replica) -> None:
    one = limit(replica, 2)
    await one.allow(TOKEN)
    await one.allow(TOKEN)
    before = await all_rows(replica)
    assert not any([await one.allow(TOKEN) for _ in range(5)])
    assert await all_rows(replica) == before


async def test_a_conversation_is_counted_under_a_keyed_hash_never_its_token(
    replica: Replica,
) -> None:
    await limit(replica, 2).allow(TOKEN)
    await limit(replica, 2, secret=b"another-secret-" + b"y" * 17).allow(TOKEN)
    rows = await all_rows(replica)
    assert len(rows) == 2, "another secret, another bucket: the table cannot be matched"
    assert TOKEN not in repr(rows)
    assert all(len(str(row[0])) == 64 for row in rows)


async def test_housekeeping_deletes_windows_older_than_an_hour_in_bounded_batches(
    replica: Replica,
) -> None:
    now = 1_800_000_000
    engine = replica()
    async with engine.begin() as connection:
        old = [{"bucket": f"old-{n:02}", "window": now - 3601 - n, "count": 1} for n in range(10)]
        await connection.execute(insert(RateWindowRow), old)
    clock = Now(now)
    await limit(replica, 2, clock).allow(TOKEN)
    clock.seconds -= 3599  # a window begun just under an hour ago stays too
    await limit(replica, 2, clock).allow("another-token")

    assert await purge_stale_windows(engine, now, batch=3, batches=2) == 6
    assert await purge_stale_windows(engine, now, batch=3, batches=2) == 4
    assert await purge_stale_windows(engine, now, batch=3, batches=2) == 0
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(RateWindowRow)) == 2


async def test_ended_windows_are_forgotten_within_a_minute_and_running_ones_kept(
    replica: Replica,
) -> None:
    """What the serving app does every minute: the table keeps no moment of an older turn."""
    clock = Now(1_800_000_000)
    turns = limit(replica, 5, clock)
    assert await turns.allow("ended-a-while-ago")
    clock.seconds += 30
    assert await turns.allow("ends-next")
    clock.seconds += 31
    assert await turns.allow("still-running")
    forgotten = await purge_stale_windows(replica(), clock.seconds, older_than=60)
    assert forgotten == 1
    clock.seconds += 30  # now the second one has ended too, the third runs on
    assert await purge_stale_windows(replica(), clock.seconds, older_than=60) == 1
    assert [row[0] for row in await all_rows(replica)] == [turns.bucket("still-running")]
    for _ in range(4):  # the running window still counts: forgetting others did not reset it
        assert await turns.allow("still-running")
    assert not await turns.allow("still-running")


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
            await SharedTurnLimit(writes, SECRET).allow(TOKEN)
    finally:
        await writes.close()
        await engine.dispose()


@pytest.mark.parametrize(("most", "seconds"), [(0, 60), (5, 0), (5, 3601)])
def test_nonsense_windows_are_refused(tmp_path: Path, most: int, seconds: int) -> None:
    writes = LimitWrites(create_engine(sqlite_url(tmp_path)))
    with pytest.raises(ValueError, match="window"):
        SharedTurnLimit(writes, SECRET, most=most, window_seconds=seconds)
