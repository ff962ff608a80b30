"""SIGTERM to the replica that holds the Mattermost listener: it closes the websocket, releases
the lock (its session ends) and exits 0; a standby can take over at its next poll.

A real ``serve`` on PostgreSQL against the fake Mattermost server (the far side of the wire);
the lock is looked up in ``pg_locks`` from the test's own session.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.mattermost.setup import LOCK_NAME
from bot.db import create_engine
from bot.leader_connection import APPLICATION_NAME, advisory_key
from tests.adapters.mattermost.fake_server import FakeMattermost
from tests.crash.serve_process import ServeProcess, free_port
from tests.crash.test_mattermost_replicas import replica_env, upgrade_database
from tests.signals.conftest import POSTGRES_URL, empty_postgres

pytestmark = pytest.mark.postgres
WAIT_SECONDS = 120.0  # against a hang on a loaded machine, not a timing claim


@pytest.fixture
async def fake() -> AsyncIterator[FakeMattermost]:
    async with FakeMattermost() as server:
        yield server


async def lock_holders() -> tuple[int, int]:
    """(sessions holding the listener's advisory lock, sessions of the lock's connection)."""
    key = advisory_key(LOCK_NAME)
    engine = create_engine(POSTGRES_URL)
    try:
        async with engine.connect() as db:
            held = await db.scalar(
                # A bigint lock key is shown as its high and low 32 bits (PostgreSQL docs,
                # "pg_locks": classid, objid, objsubid 1).
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND classid = CAST(:high AS oid) AND objid = CAST(:low AS oid)"
                    " AND objsubid = 1"
                ),
                {"high": (key >> 32) & 0xFFFFFFFF, "low": key & 0xFFFFFFFF},
            )
            sessions = await db.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": APPLICATION_NAME},
            )
    finally:
        await engine.dispose()
    return int(held or 0), int(sessions or 0)


async def eventually(check: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not await check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.1)


async def test_sigterm_closes_the_websocket_and_releases_the_listener_lock(
    fake: FakeMattermost, tmp_path: Path
) -> None:
    await empty_postgres()
    port = free_port()
    env = replica_env(fake, tmp_path / "a", secrets.token_urlsafe(36), port)
    server = ServeProcess(env, port, tmp_path / "serve.log")
    await asyncio.to_thread(upgrade_database, server)
    try:
        await asyncio.to_thread(server.start)

        async def leading() -> bool:
            return fake.sockets_open == 1 and (await lock_holders())[1] == 1

        await eventually(leading, "the replica listens")
        server.terminate()
        assert await asyncio.to_thread(server.exit_code) == 0
        assert fake.sockets_open == 0, "the websocket was left open"
        assert await lock_holders() == (0, 0), "the lock or its session outlived the replica"
    finally:
        server.stop()
        await empty_postgres()
    assert "Traceback" not in server.log.read_text()
