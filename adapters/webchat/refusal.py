"""The answer to a request that never reached a route: too big, malformed, not HTTP at all.

aiohttp answers those itself, before routing, so no ``on_response_prepare`` hook runs for
them (``web_request.Request._prepare_hook`` returns early without ``match_info``). This
builds that answer with everything our routed responses carry: the JSON problem body and
the security headers. It never echoes what the client sent.
"""

from __future__ import annotations

import functools
import json

from aiohttp import web

from adapters.webchat.boundary import SECURITY_HEADERS, SERVER_HEADER
from adapters.webchat.problems import problem_body

BUSY_RETRY_AFTER_SECONDS = 5
CODE_FOR_REFUSAL: dict[int, str] = {
    400: "bad_request",
    408: "timeout",
    413: "too_large",
    431: "too_large",
    500: "internal",
    504: "unavailable",
}


class RefusalResponse(web.Response):
    """Marks the server's own refusal, so the access log does not write a second line."""


def refusal_response(status: int) -> RefusalResponse:
    code = CODE_FOR_REFUSAL.get(status, "bad_request")
    response = RefusalResponse(
        status=status, text=json.dumps(problem_body(code)), content_type="application/json"
    )
    response.headers.update(SECURITY_HEADERS)
    response.headers["Server"] = SERVER_HEADER
    response.force_close()  # the parser's state is unknown after a bad request: start afresh
    return response


@functools.cache
def busy_bytes() -> bytes:
    """A whole 503 answer, written straight to a connection over the bound before closing it.

    No request has been read from that connection, so there is nothing to route it by;
    the page shows the ``busy`` text like any other problem.
    """
    body = json.dumps(problem_body("busy")).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Length": str(len(body)),
        "Connection": "close",
        "Retry-After": str(BUSY_RETRY_AFTER_SECONDS),
        "Server": SERVER_HEADER,
        **SECURITY_HEADERS,
    }
    head = "HTTP/1.1 503 Service Unavailable\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return head.encode("ascii") + b"\r\n" + body
