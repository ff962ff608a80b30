"""Operations metrics in Prometheus format, on a port of their own (never the public one).

* :class:`AppMetrics` — one registry per app: requests by route template and status class,
  turn latency by channel (the time of a signal effect left out), built before the
  conversation service so it can observe its turns.
* :func:`setup_metrics` — counts the app's requests and serves ``/metrics`` on
  ``metrics_host:metrics_port`` for as long as the app runs, behind an optional bearer token.
* :func:`metrics_problems` — what production refuses (a reachable port without a token).

What is read at scrape time (the outbox backlog, dead notices, channel health) is in
``bot.metrics.scrape``; nothing here has a label that could carry an id, a topic, a receipt
or a time, and nothing counts signals.
"""

from __future__ import annotations

from bot.metrics.families import AppMetrics, TurnLatency
from bot.metrics.site import metrics_problems, setup_metrics

__all__ = ["AppMetrics", "TurnLatency", "metrics_problems", "setup_metrics"]
