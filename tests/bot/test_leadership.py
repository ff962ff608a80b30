"""One listener across replicas: a PostgreSQL advisory lock elects it, SQLite needs none."""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy.engine import make_url

from bot.db import sqlite_url
from bot.errors import ConfigError
from bot.leader_connection import advisory_key, lock_conninfo
from bot.leadership import ListenerLock
from bot.stopping import Stopping
from tests.bot.holders import Holder, Timeline, settled, until_role
from tests.bot.leader_process import spawn
from tests.bot.tcp_proxy import SilentProxy
from tests.environment import unavailable
from tests.signals.conftest import POSTGRES_URL

FAST = {"poll_seconds": 0.05, "check_seconds": 0.05}


def lock_name() -> str:
    """A lock of the test's own: other tests (and other databases' users) never hold it."""
    return f"test listener {secrets.token_hex(8)}"


@pytest.fixture
def postgres_url() -> str:
    if not POSTGRES_URL:
        unavailable("set MELDWIJZER_TEST_DATABASE_URL=postgresql://… to run the PostgreSQL tests")
    return POSTGRES_URL


@pytest.fixture
async def timeline() -> AsyncIterator[Timeline]:
    recorded = Timeline()
    yield recorded
    assert recorded.overlaps == [], "two holders ran the work at once"


async def holder_pid(name: str) -> int | None:
    """The backend holding the advisory lock ``name`` (a bigint key is classid, objid)."""
    key = advisory_key(name) & 0xFFFFFFFFFFFFFFFF
    async with await psycopg.AsyncConnection.connect(
        lock_conninfo(POSTGRES_URL) or "", autocommit=True
    ) as connection:
        cursor = await connection.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s AND objid = %s AND objsubid = 1"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            (key >> 32, key & 0xFFFFFFFF),
        )
        row = await cursor.fetchone()
    return None if row is None else int(row[0])


async def terminate(pid: int) -> None:
    async with await psycopg.AsyncConnection.connect(
        lock_conninfo(POSTGRES_URL) or "", autocommit=True
    ) as connection:
        await connection.execute("SELECT pg_terminate_backend(%s)", (pid,))


async def lock_is_free(name: str) -> bool:
    async with await psycopg.AsyncConnection.connect(
        lock_conninfo(POSTGRES_URL) or "", autocommit=True
    ) as connection:
        cursor = await connection.execute("SELECT pg_try_advisory_lock(%s)", (advisory_key(name),))
        row = await cursor.fetchone()
    return bool(row and row[0])


# ---- the URL the project is configured with, as libpq sees it -------------------------


@pytest.mark.parametrize("scheme", ["postgresql", "postgresql+psycopg"])
def test_the_project_url_forms_become_a_conninfo_with_short_keepalives(scheme: str) -> None:
    conninfo = lock_conninfo(f"{scheme}://meld:p%40ss%20w0rd@db.example.test:5433/meld")
    assert conninfo is not None
    parts = conninfo_to_dict(conninfo)
    assert parts["host"] == "db.example.test"
    assert parts["port"] == "5433"
    assert parts["user"] == "meld"
    assert parts["password"] == "p@ss w0rd"
    assert parts["dbname"] == "meld"
    assert parts["application_name"]
    assert (parts["keepalives"], parts["keepalives_idle"]) == ("1", "5")
    assert (parts["keepalives_interval"], parts["keepalives_count"]) == ("5", "3")
    assert parts["tcp_user_timeout"] == "15000"


def test_query_parameters_of_the_url_reach_libpq() -> None:
    conninfo = lock_conninfo("postgresql:///meld?host=/run/postgresql&sslmode=verify-full")
    assert conninfo is not None
    parts = conninfo_to_dict(conninfo)
    assert (parts["host"], parts["sslmode"], parts["dbname"]) == (
        "/run/postgresql",
        "verify-full",
        "meld",
    )


@pytest.mark.parametrize("url", [None, "", "sqlite+aiosqlite:///data/meldwijzer.db"])
def test_no_url_or_sqlite_means_no_election(url: str | None) -> None:
    assert lock_conninfo(url) is None
    assert ListenerLock(url, "mattermost").role == "single"


@pytest.mark.parametrize("url", ["not a url", "mysql://meld@127.0.0.1/meld"])
def test_a_url_that_is_not_postgresql_or_sqlite_is_refused(url: str) -> None:
    with pytest.raises(ConfigError):
        ListenerLock(url, "mattermost")


def test_the_lock_key_is_a_signed_64_bit_integer_stable_per_name() -> None:
    keys = {advisory_key(f"listener {n}") for n in range(200)}
    assert len(keys) == 200
    assert all(-(2**63) <= key < 2**63 for key in keys)
    assert any(key < 0 for key in keys)
    assert advisory_key("mattermost") == advisory_key("mattermost")


async def test_an_unreachable_server_leaves_a_standby_and_never_logs_the_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as probe:  # a loopback port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    lock = ListenerLock(
        f"postgresql://meld:Geheim-9f2c@127.0.0.1:{port}/meld", "mattermost", **FAST
    )
    stopping = Stopping()
    ran: list[str] = []

    async def work() -> None:
        ran.append("work")

    caplog.set_level(logging.DEBUG)
    task = asyncio.create_task(lock.run_while_leading(work, stopping))
    await until_role(lock, "standby")
    stopping.request()
    await task
    assert ran == []
    assert "Geheim-9f2c" not in caplog.text
    assert "Geheim-9f2c" not in repr(lock)
    assert "standby" in caplog.text


# ---- SQLite: one process, the work runs until the stop ----------------------------------


async def test_on_sqlite_the_work_runs_and_is_restarted_when_it_returns(tmp_path: Path) -> None:
    lock = ListenerLock(sqlite_url(tmp_path), "mattermost", poll_seconds=0.01)
    stopping = Stopping()
    runs: list[int] = []

    async def work() -> None:
        runs.append(len(runs))
        if len(runs) == 3:
            stopping.request()

    async with asyncio.timeout(30):
        await lock.run_while_leading(work, stopping)
    assert lock.role == "single"
    assert runs == [0, 1, 2]


async def test_failing_work_is_logged_by_its_type_only_and_restarted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lock = ListenerLock(None, "mattermost", poll_seconds=0.01)
    stopping = Stopping()
    runs: list[int] = []

    async def work() -> None:
        runs.append(len(runs))
        if len(runs) == 2:
            stopping.request()
        raise RuntimeError("a message with user 7x9k3 in it")

    async with asyncio.timeout(30):
        await lock.run_while_leading(work, stopping)
    assert runs == [0, 1]
    assert "RuntimeError" in caplog.text
    assert "7x9k3" not in caplog.text


async def test_on_sqlite_the_stop_cancels_work_that_runs_on(tmp_path: Path) -> None:
    timeline = Timeline()
    holder = Holder.start("only", ListenerLock(sqlite_url(tmp_path), "mattermost"), timeline)
    await timeline.until(lambda: timeline.starts("only") == 1)
    await holder.stop()
    assert timeline.events == [("only", "start"), ("only", "stop")]


# ---- PostgreSQL: replicas on one database ------------------------------------------------


@pytest.mark.postgres
async def test_of_two_replicas_one_leads_and_the_other_stands_by(
    postgres_url: str, timeline: Timeline
) -> None:
    name = lock_name()
    first = Holder.start("first", ListenerLock(postgres_url, name, **FAST), timeline)
    second = Holder.start("second", ListenerLock(postgres_url, name, **FAST), timeline)
    try:
        await timeline.until(lambda: len(timeline.running) == 1)
        leader, standby = (first, second) if "first" in timeline.running else (second, first)
        await until_role(standby.lock, "standby")
        assert leader.lock.role == "leader"
        assert timeline.running == {leader.name}
    finally:
        await first.stop()
        await second.stop()
    assert await lock_is_free(name), "released on stop"


@pytest.mark.postgres
async def test_when_the_leader_stops_the_standby_takes_over(
    postgres_url: str, timeline: Timeline
) -> None:
    name = lock_name()
    first = Holder.start("first", ListenerLock(postgres_url, name, **FAST), timeline)
    await timeline.until(lambda: timeline.running == {"first"})
    second = Holder.start("second", ListenerLock(postgres_url, name, **FAST), timeline)
    try:
        await until_role(second.lock, "standby")
        await first.stop()
        assert first.lock.role == "standby"
        await timeline.until(lambda: timeline.running == {"second"})
        assert second.lock.role == "leader"
        assert timeline.events == [
            ("first", "start"),
            ("first", "stop"),
            ("second", "start"),
        ]
    finally:
        await second.stop()


@pytest.mark.postgres
async def test_a_leader_whose_backend_is_killed_cancels_its_work_and_leads_again(
    postgres_url: str, timeline: Timeline
) -> None:
    name = lock_name()
    # Checks far apart: the killed session is noticed because the server spoke, not by a check.
    lock = ListenerLock(postgres_url, name, poll_seconds=0.05, check_seconds=3600)
    only = Holder.start("only", lock, timeline)
    try:
        await timeline.until(lambda: timeline.running == {"only"})
        pid = await holder_pid(name)
        assert pid is not None
        await terminate(pid)
        await timeline.until(lambda: timeline.starts("only") == 2)
        assert timeline.events == [("only", "start"), ("only", "stop"), ("only", "start")]
        assert await holder_pid(name) not in (None, pid), "a new session holds the lock"
        assert lock.role == "leader"
    finally:
        await only.stop()


@pytest.mark.postgres
async def test_a_killed_leader_session_lets_one_replica_lead_and_never_two(
    postgres_url: str, timeline: Timeline
) -> None:
    name = lock_name()
    # No periodic checks: a check in flight when the session dies is answered later than the
    # socket's own signal, and in one event loop the standby's poll could then win the race.
    quick_polls = {"poll_seconds": 0.05, "check_seconds": 3600}
    first = Holder.start("first", ListenerLock(postgres_url, name, **quick_polls), timeline)
    await timeline.until(lambda: timeline.running == {"first"})
    second = Holder.start("second", ListenerLock(postgres_url, name, **quick_polls), timeline)
    try:
        await until_role(second.lock, "standby")
        for _ in range(5):  # each time whoever leads loses its session
            (leading,) = timeline.running
            before = len(timeline.events)
            pid = await holder_pid(name)
            assert pid is not None
            await terminate(pid)
            await timeline.until(lambda before=before: len(timeline.events) >= before + 2)
            await timeline.until(lambda: len(timeline.running) == 1)
            assert timeline.events[before] == (leading, "stop"), "stopped before any start"
        # The loser says "standby" once its own check has failed, a moment after the work.
        await settled(lambda: sorted([first.lock.role, second.lock.role]) == ["leader", "standby"])
        assert len(timeline.running) == 1
    finally:
        await first.stop()
        await second.stop()


@pytest.mark.postgres
async def test_a_leader_process_killed_with_sigkill_is_replaced_by_the_standby(
    postgres_url: str, timeline: Timeline
) -> None:
    name = lock_name()
    process = await spawn(postgres_url, name)
    here = Holder.start("here", ListenerLock(postgres_url, name, **FAST), timeline)
    try:
        await until_role(here.lock, "standby")
        assert timeline.events == [], "no work here while the other process leads"
        process.send_signal(signal.SIGKILL)
        await process.wait()
        timeline.record("other process", "stop")  # it cannot run after SIGKILL
        await timeline.until(lambda: timeline.running == {"here"})
        assert here.lock.role == "leader"
        assert timeline.events == [("other process", "stop"), ("here", "start")]
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGKILL)
            await process.wait()
        await here.stop()


@pytest.mark.postgres
async def test_a_leader_cut_off_from_the_database_stops_its_work_before_another_leads(
    postgres_url: str, timeline: Timeline
) -> None:
    name = lock_name()
    direct = make_url(postgres_url)
    proxy = SilentProxy(direct.host or "127.0.0.1", direct.port or 5432)
    await proxy.start()
    behind = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    cut_off = Holder.start("cut off", ListenerLock(behind, name, **FAST), timeline)
    try:
        await timeline.until(lambda: timeline.running == {"cut off"})
        other = Holder.start("other", ListenerLock(postgres_url, name, **FAST), timeline)
        try:
            await until_role(other.lock, "standby")
            proxy.go_silent()  # its session still holds the lock on the server
            await timeline.until(lambda: timeline.running == set())
            assert other.lock.role == "standby"
            await proxy.close()  # the server notices (as its keepalives would) and frees it
            await timeline.until(lambda: timeline.running == {"other"})
            assert timeline.events == [
                ("cut off", "start"),
                ("cut off", "stop"),
                ("other", "start"),
            ]
        finally:
            await other.stop()
    finally:
        await proxy.close()
        await cut_off.stop()


@pytest.mark.postgres
async def test_work_that_fails_while_leading_is_logged_released_and_started_again(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    name = lock_name()
    lock = ListenerLock(postgres_url, name, **FAST)
    stopping = Stopping()
    runs: list[bool] = []
    free_between: list[bool] = []

    async def work() -> None:
        runs.append(True)
        if len(runs) == 1:
            raise ConnectionResetError("socket to chat.example.test lost for user 7x9k3")
        stopping.request()

    async def watch_release() -> None:  # the lock is free while the failed work pauses
        while not runs:
            await asyncio.sleep(0.005)
        while len(runs) == 1:
            if await lock_is_free_briefly(name):
                free_between.append(True)
                return
            await asyncio.sleep(0.005)

    watcher = asyncio.create_task(watch_release())
    async with asyncio.timeout(30):
        await lock.run_while_leading(work, stopping)
        await watcher
    assert runs == [True, True]
    assert free_between == [True], "released after the failure"
    assert "ConnectionResetError" in caplog.text
    assert "7x9k3" not in caplog.text
    assert "chat.example.test" not in caplog.text


async def lock_is_free_briefly(name: str) -> bool:
    """Take the lock and give it straight back: was it free at that moment?"""
    async with await psycopg.AsyncConnection.connect(
        lock_conninfo(POSTGRES_URL) or "", autocommit=True
    ) as connection:
        key = advisory_key(name)
        cursor = await connection.execute("SELECT pg_try_advisory_lock(%s)", (key,))
        row = await cursor.fetchone()
        if row and row[0]:
            await connection.execute("SELECT pg_advisory_unlock(%s)", (key,))
            return True
    return False
