"""One holder of a listener across replicas: a PostgreSQL session advisory lock.

Two replicas on one websocket would each answer every message, so only the holder of
``pg_try_advisory_lock(key)`` runs the listener. The lock lives on a dedicated connection,
never one from SQLAlchemy's pool: a session lock belongs to the backend that took it, and a
transaction-mode pooler such as PgBouncer hands backends around ("Advisory Locks",
PostgreSQL docs §13.3.5; PgBouncer's feature table lists session advisory locks as
unsupported in transaction mode). When that backend ends, however it ends, the server frees
the lock and a standby's next poll wins it.

The holder watches its connection: the socket turning readable while no query runs means
the server spoke first (usually the FATAL of a terminated backend), and a cheap query every
``check_seconds`` catches a silent server. Either way the work is cancelled *before* the
lock is sought again, so the old listener is gone before a new one can start here. Across a
network partition the server only notices through TCP keepalives, so both ends get short
ones; until then the other replica cannot take the lock, and the partitioned holder has
given up within about ``check_seconds`` plus the query timeout.

With no database URL or SQLite there is one process and no election: the role is "single".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable

import psycopg

from bot.leader_connection import Connection, advisory_key, connect, lock_conninfo
from bot.stopping import Stopping

log = logging.getLogger("meldwijzer.leadership")

Work = Callable[[], Awaitable[None]]
FAILURES = (psycopg.Error, OSError, TimeoutError)
# A query on the lock's session that takes longer means the server is out of reach. With a
# check every 5 s a silent server is given up on within 10 s, before the server's own
# keepalives (about 20 s, see bot/leader_connection.py) end the session and free the lock.
QUERY_TIMEOUT_SECONDS = 5.0


class ListenerLock:
    def __init__(
        self,
        database_url: str | None,
        name: str,
        *,
        poll_seconds: float = 5.0,
        check_seconds: float = 5.0,
    ) -> None:
        self._conninfo = lock_conninfo(database_url)
        self._name = name
        self._key = advisory_key(name)
        self._poll = poll_seconds
        self._check = check_seconds
        self.role = "single" if self._conninfo is None else "starting"

    def __repr__(self) -> str:  # never the conninfo: it may carry a password
        return f"ListenerLock({self._name!r}, role={self.role!r})"

    async def run_while_leading(self, work: Work, stopping: Stopping) -> None:
        """Run ``work`` while this replica holds the lock, until ``stopping``."""
        if self._conninfo is None:
            await self._run_single(work, stopping)
            return
        while not stopping.requested:
            connection = await self._acquire(self._conninfo, stopping)
            if connection is None:
                return
            outcome = "lost"
            try:
                self._become("leader")
                outcome = await self._supervise(work, stopping, connection=connection)
            finally:
                await self._release(connection, unlock=outcome != "lost")
            # Losing the lock unasked is worth an operator's attention; a stop or a restart is not.
            self._become("standby", logging.WARNING if outcome == "lost" else logging.INFO)
            if stopping.requested:
                return
            if outcome == "ended":  # give the work's trouble (or another replica) a moment
                await stopping.pause(self._jittered())

    async def _run_single(self, work: Work, stopping: Stopping) -> None:
        self._become("single")
        while not stopping.requested:
            outcome = await self._supervise(work, stopping, connection=None)
            if outcome == "ended":
                await stopping.pause(self._jittered())

    async def _acquire(self, conninfo: str, stopping: Stopping) -> Connection | None:
        """Poll for the lock; the connection that holds it, or None once stopping."""
        connection: Connection | None = None
        won = False
        try:
            while not stopping.requested:
                try:
                    connection = connection or await connect(conninfo)
                    won = await self._try_lock(connection)
                except FAILURES:  # the server is away; a later poll tries again
                    await _close(connection)
                    connection = None
                if won:
                    return connection
                if self.role != "standby":
                    self._become("standby")
                await stopping.pause(self._jittered())
            return None
        finally:
            if not won:
                await _close(connection)

    async def _try_lock(self, connection: Connection) -> bool:
        cursor = await asyncio.wait_for(
            connection.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)),
            QUERY_TIMEOUT_SECONDS,
        )
        row = await cursor.fetchone()
        return bool(row and row[0])

    async def _supervise(
        self, work: Work, stopping: Stopping, *, connection: Connection | None
    ) -> str:
        """Run ``work`` until it ends ("ended"), a stop ("stopped") or the lock is lost ("lost")."""
        task = _start(work)
        try:
            while True:
                spoke = await self._wait_round(task, stopping, connection)
                if stopping.requested:
                    return "stopped"
                if spoke:
                    await _cancel(task)  # cancelled as the server spoke; see _wait_round
                elif task.done():
                    self._log_ended(task)
                    return "ended"
                if connection is not None and not await self._still_held(connection, task):
                    return "lost"
                if task.done():  # the server spoke, but the session is fine: work again
                    task = _start(work)
        finally:
            await _cancel(task)  # first, so the listener is gone before anything else

    async def _still_held(self, connection: Connection, task: asyncio.Task[None]) -> bool:
        """A cheap query on the lock's session; on failure the work is cancelled at once."""
        check = asyncio.create_task(connection.execute("SELECT 1"))
        await asyncio.wait([check], timeout=QUERY_TIMEOUT_SECONDS)
        if check.done() and check.exception() is None:
            return True
        await _cancel(task)
        # Cancelling a query psycopg still waits on sends a cancel request and then gives up
        # within seconds (AsyncConnection.wait); by now the listener is already gone.
        await _cancel(check)
        return False

    async def _wait_round(
        self, task: asyncio.Task[None], stopping: Stopping, connection: Connection | None
    ) -> bool:
        """Wait one check interval, or less if the work ends, a stop comes or the server spoke.

        An idle autocommit session gets nothing unasked but the FATAL of a terminated backend
        (or, rarely, a notice or a changed parameter), and the server sends that FATAL before
        it frees the lock. So the work is cancelled right in the reader's callback, before a
        standby's poll can be answered; the check that follows tells a harmless message from
        a lost session. True when the server spoke (the work is then cancelled).
        """
        loop = asyncio.get_running_loop()
        spoke = asyncio.Event()
        waiters = [asyncio.create_task(stopping.pause(self._check))]
        if connection is not None:
            fd = connection.fileno()

            def server_spoke() -> None:
                task.cancel()
                spoke.set()
                loop.remove_reader(fd)

            # psycopg registers its own reader on this socket while a query runs and removes
            # it afterwards (psycopg/waiting.py, wait_async), so ours is only there between
            # queries and is removed before the next one.
            loop.add_reader(fd, server_spoke)
            waiters.append(asyncio.create_task(spoke.wait()))
        try:
            await asyncio.wait([task, *waiters], return_when=asyncio.FIRST_COMPLETED)
        finally:
            if connection is not None:
                loop.remove_reader(fd)
            for waiter in waiters:
                await _cancel(waiter)
        return spoke.is_set()

    async def _release(self, connection: Connection, *, unlock: bool) -> None:
        if unlock:
            with contextlib.suppress(*FAILURES):
                await asyncio.wait_for(
                    connection.execute("SELECT pg_advisory_unlock(%s)", (self._key,)),
                    QUERY_TIMEOUT_SECONDS,
                )
        await _close(connection)  # ending the session frees the lock in any case

    def _log_ended(self, task: asyncio.Task[None]) -> None:
        error = None if task.cancelled() else task.exception()
        how = "cancelled" if task.cancelled() else "returned"
        how = how if error is None else type(error).__name__
        log.warning("the %s listener stopped (%s); it starts again shortly", self._name, how)

    def _become(self, role: str, level: int = logging.INFO) -> None:
        if role != self.role:
            log.log(level, "%s listener: %s (was %s)", self._name, role, self.role)
        self.role = role

    def _jittered(self) -> float:
        # Jitter keeps replicas started together from polling in step.
        return self._poll * random.uniform(0.8, 1.2)  # noqa: S311 - spreading load, not a secret


def _start(work: Work) -> asyncio.Task[None]:
    async def awaited() -> None:  # ``work`` may return any awaitable, a task wants a coroutine
        await work()

    return asyncio.create_task(awaited())


async def _cancel(task: asyncio.Task[object]) -> None:
    """Cancel ``task`` and wait until it has finished, without losing our own cancellation."""
    task.cancel()
    await asyncio.wait([task])
    if not task.cancelled():
        task.exception()  # retrieved: a failure while cancelling was already logged or moot


async def _close(connection: Connection | None) -> None:
    if connection is not None:
        with contextlib.suppress(*FAILURES):
            await connection.close()
