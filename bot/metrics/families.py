"""The metrics kept in memory: requests by route template and status class, turn latency.

Each app has a :class:`~prometheus_client.CollectorRegistry` of its own, never the
library's global default one, so several apps in one process (tests, a replica and its
CLI) cannot collide or read each other's numbers.

Labels come only from fixed sets: the route *template* the app registered
(``/api/webchat/conversations/{token}/messages``, never the path with the token in it),
"other" for a request no route matched (so a stranger asking for a million distinct paths
adds no label value), the status class (2xx, 4xx, …) and the channel of a turn.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from bot.core import Channel

UNMATCHED = "other"
# A form someone sends in Mattermost arrives on a route of its own (adapters/mattermost/
# callbacks.py); counted apart, that route would count form submissions, an intake form
# among them, per scrape. Counted with the buttons, as the web chat and Teams count forms
# with messages, so no series of its own stands for forms.
MATTERMOST_CALLBACKS = "/api/mattermost/{callback}"
SHARED_SERIES = {
    "/api/mattermost/actions": MATTERMOST_CALLBACKS,
    "/api/mattermost/dialogs": MATTERMOST_CALLBACKS,
}
# Latency buckets in seconds: a turn is tens of milliseconds; the long tail is a slow database.
TURN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class TurnLatency:
    """Observes each turn's time without the time its effect took (``bot.conversation``).

    Decision: a turn that sealed a signal or opened a receipt spends most of its time in
    Argon2id; in a latency bucket of its own it would mark when a signal came in. Leaving
    such turns out altogether would not do either: the web chat's request count minus the
    turn count would then be a count of effects per scrape. So every turn is counted, and
    what is observed is the turn's time minus its effect's — the same routing, loading and
    saving every turn does (the access log keeps chat turns untimed for the same reason).
    """

    def __init__(self, histogram: Histogram) -> None:
        self._histogram = histogram

    def turn_ended(self, channel: Channel, seconds: float, effect_seconds: float) -> None:
        self._histogram.labels(channel=channel.value).observe(max(0.0, seconds - effect_seconds))


class AppMetrics:
    """The registry of one app and the metrics it keeps in memory."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "meldwijzer_http_requests",
            "HTTP requests answered on the public port, by route template and status class.",
            ("route", "status"),
            registry=self.registry,
        )
        self.turns = TurnLatency(
            Histogram(
                "meldwijzer_turn_seconds",
                "Time a chat turn took, without the time of a signal effect it ran.",
                ("channel",),
                buckets=TURN_BUCKETS,
                registry=self.registry,
            )
        )

    def exposition(self) -> bytes:
        """The text format of what is kept here, without ``*_created`` samples."""
        return generate_latest(WithoutCreationTimes(self.registry))

    @web.middleware
    async def count_requests(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """aiohttp middleware: one count per answered request, by template and class."""
        route = route_template(request)
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            self.requests.labels(route=route, status=status_class(exc.status)).inc()
            raise
        except Exception:
            self.requests.labels(route=route, status="5xx").inc()
            raise
        self.requests.labels(route=route, status=status_class(response.status)).inc()
        return response


def route_template(request: web.Request) -> str:
    """The route as the app registered it, or "other"; never the concrete path."""
    resource = request.match_info.route.resource
    if resource is None:
        return UNMATCHED
    return SHARED_SERIES.get(resource.canonical, resource.canonical)


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status <= 599 else UNMATCHED


class WithoutCreationTimes(Collector):
    """Drops the ``*_created`` samples prometheus-client adds to counters and histograms.

    Each is the moment its label set first moved, e.g. the first ``5xx`` answer or the
    first Teams turn of this process: a time, which no metric here may carry. Filtered per
    collection rather than with ``disable_created_metrics()``, a switch for the whole process.
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterable[Metric]:
        for family in self._registry.collect():
            # collect() builds each family afresh, so changing it here changes nothing kept.
            family.samples = [s for s in family.samples if not s.name.endswith("_created")]
            yield family
