"""The receiving side of the notices: an aiosmtpd server in the test process.

It accepts every message, counts the Message-IDs it saw (a notice's Message-ID is
``<{delivery key}@meldwijzer>``, so a count above one is a notice delivered twice) and
keeps, per Message-ID, how many new things the notice said were on the desk.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from email import message_from_bytes, policy
from typing import Any

from aiosmtpd.controller import Controller

# "Er staat 1 nieuw punt …" / "Er staan 12 nieuwe punten …" (bot/outbox/texts.py, Dutch:
# the crash run's adviser has the default language).
TOLD = re.compile(r"Er (?:staat|staan) (\d+) nieuwe? punt")


class CountingHandler:
    def __init__(self) -> None:
        self.message_ids: Counter[str] = Counter()
        self.recipients: Counter[str] = Counter()
        self.told: dict[str, int] = {}  # Message-ID → new things the notice told of
        self._lock = threading.Lock()  # aiosmtpd runs in its own thread

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        message_id = str(message.get("Message-ID", ""))
        body = message.get_body(("plain",))
        found = TOLD.search(body.get_content()) if body is not None else None
        with self._lock:
            self.message_ids[message_id] += 1
            self.recipients.update(envelope.rcpt_tos)
            if found:
                self.told[message_id] = int(found.group(1))
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
