"""SIGTERM to a real ``meldwijzer serve``: /healthz says "stopping", the turn in flight is answered.

The turn is held in flight by ``Expect: 100-continue``: aiohttp answers ``100 Continue``
only once the request head is parsed and routed, so the test knows the request is being
handled before it sends the signal, and sends the body only once the port is closed.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_KDF
from tests.crash.serve_process import ServeProcess, free_port

DRAIN_SECONDS = 8  # long enough for the test to see "stopping" on a loaded machine
WAIT_SECONDS = 60.0  # against a hang, not a timing claim
BODY = json.dumps({"locale": "nl"}).encode()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServeProcess]:
    env = {
        "MELDWIJZER_DATA_DIR": str(tmp_path / "data"),
        "MELDWIJZER_DEMO_ADVISER": "false",
        "MELDWIJZER_TEAMS_ENABLED": "false",
        "MELDWIJZER_KDF_MEMORY_KIB": str(TEST_KDF["kdf_memory_kib"]),
        "MELDWIJZER_KDF_ITERATIONS": str(TEST_KDF["kdf_iterations"]),
        "MELDWIJZER_HTTP_DRAIN_SECONDS": str(DRAIN_SECONDS),
    }
    process = ServeProcess(env, free_port(), tmp_path / "serve.log")
    process.start()
    yield process
    process.stop()


def start_a_turn(port: int) -> socket.socket:
    """A new conversation's request, head sent and being handled, body not yet sent."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=WAIT_SECONDS)
    connection.sendall(
        b"POST /api/webchat/conversations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
        b"Content-Length: %d\r\n\r\n" % len(BODY)
    )
    assert connection.recv(1024).startswith(b"HTTP/1.1 100 Continue\r\n")
    return connection


def health(port: int) -> tuple[int, dict[str, object]]:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT_SECONDS)
    try:
        client.request("GET", "/healthz")
        response = client.getresponse()
        return response.status, json.loads(response.read())
    finally:
        client.close()


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=WAIT_SECONDS).close()
    except ConnectionRefusedError:
        return True
    return False


def until(check: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)


def answer_of(connection: socket.socket) -> bytes:
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def test_sigterm_says_stopping_then_closes_the_port_and_answers_the_turn_in_flight(
    server: ServeProcess,
) -> None:
    assert health(server.port) == (
        200,
        {"status": "ok", "database": "up", "channels": {"webchat": "up"}},
    )
    with start_a_turn(server.port) as turn:
        server.terminate()
        status, body = health(server.port)  # still served while draining, on a new connection
        assert (status, body["status"]) == (503, "stopping")
        until(lambda: refused(server.port), "the port closed after the drain")
        turn.sendall(BODY)  # the rest of the turn, after the port closed
        head, _, payload = answer_of(turn).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 201 ")
    answer = json.loads(payload)
    assert answer["conversation"] and answer["replies"]
    assert server.exit_code() == 0
    assert "Traceback" not in server.log.read_text()
