"""An access log without IP addresses, conversation tokens or the time a turn took.

aiohttp's default format starts with ``%a`` (the client's address) and ``%r`` holds
the path, which for the web chat contains the conversation token. This logger
writes the matched route's pattern instead, e.g.
``POST /api/webchat/conversations/{token}/messages 200``.

Decision: chat turns are logged, but without a duration (and without a size). A turn that
seals a signal spends tens of milliseconds in Argon2id and would stand out by its time
alone; with route and status only, a submission's line is the same as any other turn's,
so the log cannot say when a signal came in. Durations stay for the page, its files and
``/healthz`` (:data:`TIMED_ROUTES`), where they help operators and reveal nothing; every
other route, Teams (``/api/messages``) and Mattermost callbacks included, is untimed.

Requests the server refused before routing (:class:`RefusalResponse`) are not logged here:
the server already wrote their one line. Use this logger through ``bot.server``.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from adapters.webchat.refusal import RefusalResponse

# For a stock AccessLogger, should one be needed: status only. No %a, %r, %U or
# %{X-Forwarded-For}i, which would write addresses or tokens; no %T or %b (see above).
ACCESS_LOG_FORMAT = "%s"
TIMED_ROUTES = frozenset({"/", "/static/{name}", "/healthz"})


class RouteAccessLogger(AbstractAccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if isinstance(response, RefusalResponse):
            return
        route = route_pattern(request)
        if route in TIMED_ROUTES:
            self.logger.info("%s %s %d %.1fms", request.method, route, response.status, time * 1e3)
        else:
            self.logger.info("%s %s %d", request.method, route, response.status)


def route_pattern(request: web.BaseRequest) -> str:
    """The route as registered (``/static/{name}``), never the concrete path."""
    # The logger receives a BaseRequest; only a routed web.Request has match_info.
    if not isinstance(request, web.Request):
        return "<unmatched>"
    resource = request.match_info.route.resource
    return "<unmatched>" if resource is None else resource.canonical
