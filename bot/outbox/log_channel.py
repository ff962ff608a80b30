"""The serve log as a notice channel: where the demo adviser, and an adviser with no other
address, hears of their desk.

One INFO line on the logger ``meldwijzer.notices``, which ``meldwijzer serve`` prints (the
CLI logs INFO and up to standard error): the recipient, the subject and the body on one line
(the count; a digest's short ids and dates; for the admin the waiting signals and dead
notices). The body is the same content-free text every channel carries. Never the key: it
would tie the line to a delivery row. The line is written at the notice time, so it marks
no reporter's moment.
"""

from __future__ import annotations

import logging

from bot.outbox.port import LOG, Notice

NOTICE_LOGGER = "meldwijzer.notices"
log = logging.getLogger(NOTICE_LOGGER)


class LogChannel:
    """Implements ``bot.outbox.port.NoticeChannel``; the address is the recipient's id."""

    name = LOG

    async def deliver(self, address: str, notice: Notice) -> None:
        body = " | ".join(line.strip() for line in notice.body.splitlines() if line.strip())
        log.info("notice for %s: %s: %s", address, notice.subject, body)
