"""Requests aiohttp refuses before routing: a short JSON 400/431, our headers, one quiet line.

aiohttp's own path logs "Error handling request from <address>" with a traceback quoting the
offending line, and the route access log then failed on the unrouted request. Each case
carries a canary, so a log that quotes the request is caught.
"""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from adapters.webchat.boundary import SECURITY_HEADERS
from tests.http.conftest import (
    SOCKET_WAIT_SECONDS,
    Served,
    exchange,
    log_lines,
    parse_answer,
    tracebacks,
)

CANARY = "Canary-Request-5be1"
HOST = b"Host: 127.0.0.1\r\n"

BAD_REQUESTS = {
    "single-sign-on cookie of 9 kB": (
        b"GET / HTTP/1.1\r\n" + HOST + b"Cookie: sso=" + CANARY.encode() * 600 + b"\r\n\r\n",
        431,
    ),
    "header line too long": (
        b"GET / HTTP/1.1\r\n" + HOST + b"X-Note: " + CANARY.encode() * 600 + b"\r\n\r\n",
        431,
    ),
    "request line too long": (
        b"GET /" + CANARY.encode() * 600 + b" HTTP/1.1\r\n" + HOST + b"\r\n",
        431,
    ),
    "too many headers": (
        b"GET / HTTP/1.1\r\n"
        + HOST
        + b"".join(b"X-%d: %s\r\n" % (n, CANARY.encode()) for n in range(200))
        + b"\r\n",
        431,
    ),
    "malformed request line": (b"GET /" + CANARY.encode() + b" HTTP/1.1 extra\r\n\r\n", 400),
    "bad method": (b"G\x00T /" + CANARY.encode() + b" HTTP/1.1\r\n" + HOST + b"\r\n", 400),
    "header without a colon": (b"GET / HTTP/1.1\r\n" + HOST + CANARY.encode() + b"\r\n\r\n", 400),
    "bad chunked encoding": (
        b"POST /api/webchat/conversations HTTP/1.1\r\n"
        + HOST
        + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"zz"
        + CANARY.encode()
        + b"\r\n{}\r\n0\r\n\r\n",
        400,
    ),
    "content length and chunked at once": (
        b"POST /api/webchat/conversations HTTP/1.1\r\n"
        + HOST
        + b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        400,
    ),
    "TLS on the plain port": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64, 400),
    "not HTTP at all": (CANARY.encode() + b" \xff\xfe garbage\r\n\r\n", 400),
    # aiohttp's own answer is text/plain "Unknown Expect: <the value>", without our headers.
    "unknown Expect on a route": (
        b"POST /api/webchat/conversations HTTP/1.1\r\n"
        + HOST
        + b"Expect: <script>alert(1)</script>"
        + CANARY.encode()
        + b"\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
        417,
    ),
    "unknown Expect on no route": (
        b"GET /"
        + CANARY.encode()
        + b" HTTP/1.1\r\n"
        + HOST
        + b"Expect: "
        + CANARY.encode()
        + b"\r\n\r\n",
        417,
    ),
}


@pytest.mark.parametrize("case", list(BAD_REQUESTS))
async def test_a_bad_request_gets_a_short_problem_and_one_quiet_line(
    served: Served, every_log: pytest.LogCaptureFixture, case: str
) -> None:
    raw, status = BAD_REQUESTS[case]
    every_log.clear()

    answer = parse_answer(await exchange(served, raw))

    assert answer.status == status
    assert json.loads(answer.body)["error"]["code"]
    assert CANARY.encode() not in answer.body  # nothing the client sent is echoed
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name.lower()] == value
    assert_no_version(answer.headers)
    lines = log_lines(every_log)
    assert len(lines) == 1, lines
    assert tracebacks(every_log) == []
    assert "127.0.0.1" not in every_log.text and CANARY not in every_log.text


async def test_the_server_still_serves_after_bad_requests(served: Served) -> None:
    for raw, _ in BAD_REQUESTS.values():
        await exchange(served, raw)
    answer = parse_answer(
        await exchange(served, b"GET /healthz HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n")
    )
    assert answer.status == 200


async def test_expect_100_continue_still_works(served: Served) -> None:
    reader, writer = await asyncio.open_connection(served.host, served.port)
    try:
        writer.write(
            b"POST /api/webchat/conversations HTTP/1.1\r\n" + HOST + b"Expect: 100-continue\r\n"
            b"Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"
        )
        async with asyncio.timeout(SOCKET_WAIT_SECONDS):
            assert await reader.readuntil(b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"
            writer.write(b"{}")
            answer = parse_answer(await reader.read(-1))
    finally:
        writer.close()
    assert answer.status == 201
    assert json.loads(answer.body)["conversation"]


@pytest.mark.parametrize(
    "request_line",
    [
        b"GET / HTTP/1.1",
        b"GET /healthz HTTP/1.1",
        b"GET /static/chat.js HTTP/1.1",
        b"GET /no/such/page HTTP/1.1",
        b"DELETE /api/webchat/conversations HTTP/1.1",
        b"POST /api/messages HTTP/1.1",
    ],
)
async def test_no_response_names_server_versions(served: Served, request_line: bytes) -> None:
    raw = request_line + b"\r\n" + HOST + b"Content-Length: 0\r\nConnection: close\r\n\r\n"
    answer = parse_answer(await exchange(served, raw))
    assert answer.status < 500
    assert_no_version(answer.headers)
    assert answer.headers["x-content-type-options"] == "nosniff"


def assert_no_version(headers: dict[str, str]) -> None:
    server = headers.get("server", "")
    assert not re.search(r"\d|aiohttp|python", server, re.IGNORECASE), server
