"""An access log without IP addresses or conversation tokens.

aiohttp's default format starts with ``%a`` (the client's address) and ``%r`` holds
the path, which for the web chat contains the conversation token. This logger
writes the matched route's pattern instead, e.g.
``POST /api/webchat/conversations/{token}/messages 200 12.3ms``.
Use it with ``web.run_app(app, access_log_class=RouteAccessLogger)`` or
``web.AppRunner(app, access_log_class=RouteAccessLogger)``.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

# For a stock AccessLogger, should one be needed: status, size, time. No %a, %r, %U or
# %{X-Forwarded-For}i, which would write addresses or tokens.
ACCESS_LOG_FORMAT = "%s %b %Tf"


class RouteAccessLogger(AbstractAccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %d %.1fms", request.method, route_pattern(request), response.status, time * 1000
        )


def route_pattern(request: web.BaseRequest) -> str:
    """The route as registered (``/static/{name}``), never the concrete path."""
    # The logger receives a BaseRequest; only a routed web.Request has match_info.
    if not isinstance(request, web.Request):
        return "<unmatched>"
    resource = request.match_info.route.resource
    return "<unmatched>" if resource is None else resource.canonical
