"""Turns per web chat conversation, counted in windows every replica shares."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.sql.expression import Executable
from sqlalchemy.util import await_only

from bot.db import create_engine, sqlite_url
from bot.errors import ServerBusy
from bot.limits import LimitWrites, RateWindowRow, SharedTurnLimit, purge_stale_windows, windows
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


class Statements:
    """Counts the statements a limit's pool sends to the database.

    Through SQLAlchemy's cursor, and on SQLite also as the library itself traces them (its
    trace callback, set on each connection the pool opens): the relaxed pool hands
    statements to the driver directly, past SQLAlchemy's events. Made before the pool opens
    a connection.
    """

    def __init__(self, limit_of: SharedTurnLimit, writes: LimitWrites) -> None:
        self.limit, self.count = limit_of, 0
        self._engine = writes.engine.sync_engine
        self._listeners: list[tuple[str, Callable[..., None]]] = [
            ("before_cursor_execute", self._seen)
        ]
        if self._engine.dialect.name == "sqlite":
            self._listeners.append(("connect", self._trace))
        for name, listener in self._listeners:
            event.listen(self._engine, name, listener)

    def _seen(self, *_args: object) -> None:
        self.count += 1

    def _trace(self, dbapi_connection: Any, _record: object) -> None:
        await_only(dbapi_connection._connection.set_trace_callback(self._seen))

    def close(self) -> None:
        for name, listener in self._listeners:
            event.remove(self._engine, name, listener)


@contextmanager
def counted_limit(
    replica: Replica, most: int, clock: Now, writes: LimitWrites | None = None
) -> Iterator[Statements]:
    """A limit on ``writes`` (a new replica's by default) whose statements are counted."""
    writes = writes or replica.writes()
    statements = Statements(SharedTurnLimit(writes, SECRET, most=most, clock=clock), writes)
    try:
        yield statements
    finally:
        statements.close()


async def sent(statements: Statements, check: Awaitable[bool]) -> tuple[bool, int]:
    """What the check answered, and how many statements it sent."""
    before = statements.count
    answer = await check
    return answer, statements.count - before


async def test_turns_over_a_full_window_cost_no_statement_until_it_ends(
    replica: Replica,
) -> None:
    clock = Now()
    with counted_limit(replica, 3, clock) as one:
        assert [await one.limit.allow(TOKEN) for _ in range(3)] == [True] * 3
        flood = [await sent(one, one.limit.allow(TOKEN)) for _ in range(50)]
        assert flood == [(False, 0)] * 50, "this replica took the last place: it knows"
        clock.seconds += 59
        assert await sent(one, one.limit.allow(TOKEN)) == (False, 0)
        clock.seconds += 1
        allowed, statements = await sent(one, one.limit.allow(TOKEN))
        assert allowed and statements >= 1, "a new window is counted in the database again"


async def test_a_window_another_replica_filled_costs_one_read_then_nothing(
    replica: Replica,
) -> None:
    clock = Now()
    filler = limit(replica, 2, clock)
    with counted_limit(replica, 2, clock) as other:
        assert await filler.allow(TOKEN) and await filler.allow(TOKEN)
        refused, statements = await sent(other, other.limit.allow(TOKEN))
        assert not refused and statements >= 2, "the count, then the read of its window"
        flood = [await sent(other, other.limit.allow(TOKEN)) for _ in range(20)]
        assert flood == [(False, 0)] * 20
        assert await other.limit.allow("another-token"), "only that conversation is full"
        clock.seconds += 60
        assert await other.limit.allow(TOKEN)


async def test_a_remembered_full_window_never_refuses_what_the_database_allows(
    replica: Replica,
) -> None:
    clock = Now()
    one, other = limit(replica, 2, clock), limit(replica, 2, clock)
    answers = []
    for _ in range(5):
        for _ in range(3):
            answers.append((await one.allow(TOKEN), await other.allow(TOKEN)))
        clock.seconds += 30
    # Window 1 (0-59 s): two places, both taken at 0 s. Window 2 begins at 60 s.
    assert [a for pair in answers for a in pair].count(True) == 2 + 2 + 2


class NextWindowInBetween(LimitWrites):
    """A replica's writes during which another replica's turn lands between a refused
    count and the read of its window: the window ended meanwhile and the next began."""

    def __init__(self, replica: Replica, clock: Now, other: SharedTurnLimit) -> None:
        super().__init__(replica())
        self.clock, self.other = clock, other

    async def read(self, statement: Executable, values: Mapping[str, Any]) -> Sequence[Any] | None:
        self.clock.seconds += 1
        assert await self.other.allow(TOKEN), "the next window begins"
        return await super().read(statement, values)


async def test_a_window_that_ended_before_its_read_is_not_remembered_as_full(
    replica: Replica,
) -> None:
    clock = Now()
    filler = limit(replica, 2, clock)
    assert await filler.allow(TOKEN) and await filler.allow(TOKEN)
    clock.seconds += 59
    writes = NextWindowInBetween(replica, clock, filler)
    with counted_limit(replica, 2, clock, writes) as late:
        assert not await late.limit.allow(TOKEN), "counted in the full window"
        assert await late.limit.allow(TOKEN), "the next window has a place left"


async def test_conversations_remembered_as_full_are_bounded_oldest_forgotten_first(
    replica: Replica, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(windows, "FULL_KEPT", 3)
    clock = Now()
    with counted_limit(replica, 1, clock) as one:
        tokens = [f"token-{n}" for n in range(5)]
        assert [await one.limit.allow(t) for t in tokens] == [True] * 5
        assert await sent(one, one.limit.allow(tokens[-1])) == (False, 0)
        refused, statements = await sent(one, one.limit.allow(tokens[0]))
        assert not refused and statements >= 1, "forgotten: the database refuses it"


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
