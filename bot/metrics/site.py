"""``/metrics`` on a site of its own, bound to ``metrics_host:metrics_port``, for the app's life.

The public site never routes ``/metrics``: the metrics app is a separate
``web.Application`` behind a separate runner, so nothing on the public port can reach it.
With ``metrics_token`` set, a scrape must send ``Authorization: Bearer <token>``; the
token is compared in constant time (``hmac.compare_digest``) before anything is read, so a
stranger without it gets a short 401 and costs no query.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import AsyncIterator, Mapping

from aiohttp import hdrs, web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation import utc_now
from bot.metrics.families import AppMetrics
from bot.metrics.scrape import ChannelHealth, OutboxReader, scrape_registry
from bot.server import GuardedRunner, ServerLimits
from bot.settings import Settings

METRICS_PATH = "/metrics"
UNAUTHORIZED = "unauthorized\n"


class MetricsEndpoint:
    """Answers a scrape: what is kept in memory, then what is read now."""

    def __init__(
        self,
        metrics: AppMetrics,
        outbox: OutboxReader,
        health: Mapping[str, ChannelHealth],
        token: str | None,
    ) -> None:
        self._metrics = metrics
        self._outbox = outbox
        self._health = health
        self._token = _digest(token.encode()) if token else None

    async def scrape(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.Response(
                status=401,
                text=UNAUTHORIZED,
                headers={hdrs.WWW_AUTHENTICATE: 'Bearer realm="metrics"'},
            )
        counts = await self._outbox.read(utc_now())
        body = self._metrics.exposition() + generate_latest(scrape_registry(counts, self._health))
        return web.Response(body=body, headers={hdrs.CONTENT_TYPE: CONTENT_TYPE_LATEST})

    def _authorized(self, request: web.Request) -> bool:
        if self._token is None:
            return True
        scheme, _, given = request.headers.get(hdrs.AUTHORIZATION, "").partition(" ")
        if scheme.lower() != "bearer":
            return False
        # aiohttp decodes header bytes as UTF-8 with surrogateescape (http_parser.py); the
        # same error handler gives the bytes back, where a plain encode() would raise on
        # a byte that is not UTF-8. Digests of equal length: the comparison tells nothing
        # of the token's length either (hmac.compare_digest's documentation).
        sent = given.strip().encode("utf-8", "surrogateescape")
        return hmac.compare_digest(_digest(sent), self._token)


def _digest(token: bytes) -> bytes:
    return hashlib.sha256(token).digest()


def setup_metrics(
    app: web.Application,
    metrics: AppMetrics,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    health: Mapping[str, ChannelHealth],
) -> None:
    """Count ``app``'s requests and serve ``/metrics`` while it runs (if a port is set)."""
    if settings.metrics_port is None:
        return
    # First in the list is outermost: it sees the status other middlewares settled on.
    app.middlewares.insert(0, metrics.count_requests)
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    outbox = OutboxReader(sessions)
    endpoint = MetricsEndpoint(metrics, outbox, health, token)
    site = web.Application()
    site.router.add_get(METRICS_PATH, endpoint.scrape)
    host, port = settings.metrics_host, settings.metrics_port
    limits = ServerLimits.from_settings(settings)

    async def lifetime(_: web.Application) -> AsyncIterator[None]:
        runner = GuardedRunner(site, limits)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
            yield
        finally:
            await runner.cleanup()
            await outbox.close()

    app.cleanup_ctx.append(lifetime)


def metrics_problems(settings: Settings) -> list[str]:
    """A metrics port others can reach must ask for a token."""
    if (
        settings.metrics_port is None
        or settings.metrics_token
        or is_loopback(settings.metrics_host)
    ):
        return []
    return [
        "MELDWIJZER_METRICS_HOST is not a loopback address and MELDWIJZER_METRICS_TOKEN is "
        "empty, so anyone who reaches the port reads the metrics"
    ]


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or "localhost"; a name is not resolved (it could point anywhere)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
