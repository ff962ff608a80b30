"""``/healthz`` for load balancers and monitors: does the database answer, which channels are up.

The endpoint is open to anyone who can reach the port, so it does no database work per
request and says nothing an attacker could use: three words of state, no versions, no
error texts, no host names, no counts, no timings. One probe (``SELECT 1``) runs at a time
and its answer is reused for ``reuse_seconds``: a flood of ``/healthz`` costs at most one
query per interval, and a database that hangs costs one waiting connection, not one per
request. A probe that has not answered within ``bound_seconds`` counts as "down"; it is not
cancelled (a cancelled query may leave the driver's work running, see bot/stopping.py), and
while it still waits no second one starts.

200 ``{"status": "ok", "database": "up", "channels": {...}}`` while this replica can take
turns; 503 with ``"database": "down"`` when it cannot, and 503 ``"status": "stopping"`` once
a graceful stop began (bot/server.py), so a proxy that polls it stops sending. A channel
being down (Mattermost unreachable, say) is reported but keeps the 200: the web chat and
Teams still work on this replica, and taking it out of the pool would not help.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

HEALTH_PATH = "/healthz"
BOUND_SECONDS = 2.0
REUSE_SECONDS = 2.0
UP, DOWN, STANDBY = "up", "down", "standby"

# Each channel's state in one word: "up", "down", or "standby" (another replica holds it).
ChannelStates = Callable[[], Mapping[str, str]]


class DatabaseProbe:
    """``SELECT 1`` at most once per ``reuse_seconds``, one at a time, shared by every caller."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        bound_seconds: float = BOUND_SECONDS,
        reuse_seconds: float = REUSE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._bound = bound_seconds
        self._reuse = reuse_seconds
        self._clock = clock
        self._probe: asyncio.Task[bool] | None = None
        self._answer: tuple[float, bool] | None = None  # (when, up)

    async def up(self) -> bool:
        now = self._clock()
        if self._answer is not None and now - self._answer[0] < self._reuse:
            return self._answer[1]
        if self._probe is None:
            self._probe = asyncio.create_task(self._select_one())
            self._probe.add_done_callback(self._answered)
        probe = self._probe
        done, _ = await asyncio.wait([probe], timeout=self._bound)
        if not done:
            self._answer = (self._clock(), False)
            return False
        return not probe.cancelled() and probe.result()

    def _answered(self, probe: asyncio.Task[bool]) -> None:
        self._probe = None
        up = not probe.cancelled() and probe.result()
        self._answer = (self._clock(), up)

    async def _select_one(self) -> bool:
        try:
            async with self._engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError):
            return False
        return True

    async def close(self) -> None:
        """At the end of the app's lifetime: a probe still waiting is cancelled and awaited."""
        probe = self._probe
        if probe is not None:
            probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await probe


class Health:
    """The answer of ``/healthz``; :meth:`begin_stopping` when a graceful stop begins."""

    def __init__(self, database: DatabaseProbe, channels: ChannelStates) -> None:
        self._database = database
        self._channels = channels
        self._stopping = False

    @property
    def stopping(self) -> bool:
        return self._stopping

    def begin_stopping(self) -> None:
        self._stopping = True

    async def close(self) -> None:
        await self._database.close()

    async def handle(self, _request: web.Request) -> web.Response:
        channels = dict(self._channels())
        if self._stopping:  # no probe: a replica on its way out takes no more turns anyway
            return web.json_response({"status": "stopping", "channels": channels}, status=503)
        if not await self._database.up():
            body = {"status": "unavailable", "database": DOWN, "channels": channels}
            return web.json_response(body, status=503)
        return web.json_response({"status": "ok", "database": UP, "channels": channels})


HEALTH = web.AppKey("health", Health)


def channel_states(mattermost: Callable[[], Mapping[str, object]] | None) -> ChannelStates:
    """The web chat (served here, so up) and Mattermost if on; Teams and e-mail keep no
    connection whose state could be read, so they are left out (bot/metrics/channels.py).
    ``mattermost`` is the channel's own report; its detail (why it is down) stays in the
    log and the metrics, which strangers cannot read."""

    def states() -> dict[str, str]:
        found = {"webchat": UP}
        if mattermost is not None:
            state = mattermost().get("mattermost")
            found["mattermost"] = _mattermost_state(state if isinstance(state, Mapping) else {})
        return found

    return states


def _mattermost_state(report: Mapping[str, object]) -> str:
    if report.get("listener") == "standby":
        return STANDBY
    return UP if report.get("socket") == "connected" else DOWN


def mount_health(app: web.Application, health: Health) -> None:
    """``/healthz`` answered by ``health`` (before the web chat, which then adds none)."""
    app[HEALTH] = health
    app.router.add_get(HEALTH_PATH, health.handle)
