"""The real app on its own event loop in a background thread, and a raw-bytes HTTP client.

Property-based tests are synchronous (hypothesis drives them), so the server runs beside
them: the production runner on 127.0.0.1 port 0, exactly as ``meldwijzer serve`` runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from aiohttp import web

from bot.server import GuardedRunner, ServerLimits

START_WAIT_SECONDS = 60.0
SOCKET_WAIT_SECONDS = 10.0


class ThreadedServer:
    """``with ThreadedServer(make_app) as server:`` serves on ``server.port`` until the end."""

    def __init__(self, make_app: Callable[[], web.Application], limits: ServerLimits) -> None:
        self._make_app = make_app
        self._limits = limits
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, name="served-app", daemon=True)
        self.port = 0

    def __enter__(self) -> ThreadedServer:
        self._thread.start()
        if not self._ready.wait(START_WAIT_SECONDS):
            raise RuntimeError("the served app did not start")
        if self._failure is not None:
            raise RuntimeError("the served app failed to start") from self._failure
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(START_WAIT_SECONDS)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            runner = loop.run_until_complete(self._start())
        except BaseException as exc:  # reported to the test thread by __enter__
            self._failure = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    async def _start(self) -> web.AppRunner:
        runner = GuardedRunner(self._make_app(), self._limits)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self.port = runner.addresses[0][1]
        return runner


@dataclass(frozen=True, slots=True)
class RawAnswer:
    status: int | None  # None: the server closed without answering
    raw: bytes


def send_raw(port: int, request: bytes) -> RawAnswer:
    """Send ``request`` on a fresh connection; read one answer (or until the server closes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=SOCKET_WAIT_SECONDS) as sock:
        # The server may answer and close before the whole request went out (too large).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        received = _read_answer(sock)
    head = received.split(b"\r\n", 1)[0].split()
    status = int(head[1]) if len(head) >= 2 and head[1].isdigit() else None
    return RawAnswer(status, received)


def _read_answer(sock: socket.socket) -> bytes:
    received = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk
        head, found, body = received.partition(b"\r\n\r\n")
        if found and len(body) >= _content_length(head):
            return received


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return int(value.strip())
    return 1 << 62  # unknown: read until the server closes


class RecordingHandler(logging.Handler):
    """Keeps every record from every thread."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.format(record)  # fills exc_text, as a real handler's output would hold it
        self.records.append(record)
