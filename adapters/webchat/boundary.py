"""The web chat's one error boundary and the headers every response carries.

The middleware is the single place where the web chat turns an unexpected error
into a short apology and one log line (exception type and where it happened, never
its message: a message may quote what the person wrote).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable

from aiohttp import web

from adapters.webchat.problems import (
    WebchatProblem,
    problem_response,
    response_for_http_exception,
)
from bot.errors import InputError, RateLimited, StorageError

log = logging.getLogger("meldwijzer.webchat")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

WEBCHAT_PATHS = ("/", "/healthz")
WEBCHAT_PREFIXES = ("/static/", "/api/webchat/")

# 'self' only: no inline script or style, no framing, no plugins, no <base> tricks.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'; frame-ancestors 'none'"
)
# aiohttp sets ``Server: Python/3.x aiohttp/3.y`` unless a response has one
# (``web_response.StreamResponse._prepare_headers``: ``setdefault``); ours names no versions.
SERVER_HEADER = "Meldwijzer"
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def is_webchat_request(request: web.Request) -> bool:
    """Ours: the page, its files, its API, health, and anything no route matched."""
    path = request.path
    if path in WEBCHAT_PATHS or path.startswith(WEBCHAT_PREFIXES):
        return True
    return request.match_info.http_exception is not None


@web.middleware
async def webchat_error_boundary(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer every failure on web chat routes as JSON; other channels keep their own."""
    if not is_webchat_request(request):
        return await handler(request)
    try:
        return await handler(request)
    except WebchatProblem as problem:
        return problem_response(problem.status, problem.code, retry_after=problem.retry_after)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise  # redirects are answers, not errors
        return response_for_http_exception(exc)
    except RateLimited:
        return problem_response(429, "rate_limited")
    except InputError:
        return problem_response(400, "bad_request")
    except StorageError as exc:
        _log_failure(exc)
        return problem_response(503, "unavailable")
    except Exception as exc:
        _log_failure(exc)
        return problem_response(500, "internal")


def _log_failure(exc: BaseException) -> None:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    log.error("webchat request failed: %s at %s", type(exc).__name__, where)


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare`` hook: runs for every response, even aiohttp's own errors."""
    response.headers.update(SECURITY_HEADERS)
    response.headers["Server"] = SERVER_HEADER
    if is_webchat_request(request):
        # Nothing of ours sets cookies; this makes sure nothing in between does either.
        response.headers.popall("Set-Cookie", None)
