"""The one port every notice channel implements, and the message it carries.

A channel only transports: the text is written once (``bot.outbox.texts``) and is the same
everywhere: that there is something on the desk, how many, and where to open it. No signal
content, no reporter words, no unit. ``key`` is the notice's idempotency key; a channel passes
it on where the platform can use it (e-mail ``Message-ID``, Mattermost ``pending_post_id``),
so that a send retried after a lost response is recognised as the same message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# Channel names as stored in ``deliveries.channel``.
TEAMS, EMAIL, MATTERMOST, LOG = "teams", "email", "mattermost", "log"


@dataclass(frozen=True, slots=True)
class Notice:
    key: str  # the delivery's idempotency key (64 hex characters)
    lang: str  # "nl" or "en": the recipient's first language
    subject: str  # one line: e-mail subject, bold first line in chat
    body: str  # plain text, a few short lines, with the link
    link: str  # where the desk opens


class NoticeChannel(Protocol):
    """``deliver`` raises ``bot.errors.DeliveryError``; its ``retryable`` tells the outbox
    whether to try again later (outage, 5xx) or give up at once (blocked, unknown address)."""

    name: str

    async def deliver(self, address: str, notice: Notice) -> None: ...
