"""The serve log as a notice channel: where the demo adviser, and an adviser with no other
address, hears of their desk.

One INFO line on the logger ``meldwijzer.notices``, which ``meldwijzer serve`` prints (the
CLI logs INFO and up to standard error): the recipient, the subject (which carries the count)
and the link. Never the body, never the key: a log is kept longer than a notice is read, and
the key would tie the line to a delivery row.
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
        log.info("notice for %s: %s (open: %s)", address, notice.subject, notice.link)
