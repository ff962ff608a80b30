"""The receiving side of the notices: an aiosmtpd server in the test process.

It accepts every message and counts the Message-IDs it saw; a notice's Message-ID is
``<{delivery key}@meldwijzer>`` (the e-mail channel), so a count above one is a notice
delivered twice. Imported only once the e-mail channel exists (aiosmtpd is a test extra
that comes with it).
"""

from __future__ import annotations

import threading
from collections import Counter
from email import message_from_bytes
from typing import Any

from aiosmtpd.controller import Controller


class CountingHandler:
    def __init__(self) -> None:
        self.message_ids: Counter[str] = Counter()
        self.recipients: Counter[str] = Counter()
        self._lock = threading.Lock()  # aiosmtpd runs in its own thread

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        with self._lock:
            self.message_ids[str(message.get("Message-ID", ""))] += 1
            self.recipients.update(envelope.rcpt_tos)
        return "250 OK"


class SmtpSink:
    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = CountingHandler()
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=port)

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()
