"""The Teams notice channel: the outbox's port over :class:`TeamsNotifier`.

The address is the adviser's Azure AD object id (``adviser add --teams-id``), the tenant the
one in ``MELDWIJZER_TEAMS_TENANT_ID``. A notice is one message: its subject in bold on the
first line, then the body with the link. The notifier already maps the Bot Connector's
answers (Teams docs, "Status codes from bot conversational APIs"): 403 ``MessageWritesBlocked``
(the adviser blocked or removed the app) is final; 5xx and a refused connection are for a
later try.

Teams takes no idempotency key for a new message, so a send whose answer was lost after
Teams had accepted it may show twice; the outbox's lease and key keep that to such losses.
"""

from __future__ import annotations

from adapters.teams.notifier import TeamsNotifier
from bot.core import Reply
from bot.errors import DeliveryError
from bot.outbox.port import TEAMS, Notice


def notice_text(notice: Notice) -> str:
    """Markdown, which Teams renders in messages (adapters/teams/outgoing.py)."""
    return f"**{notice.subject}**\n\n{notice.body}"


class TeamsNoticeChannel:
    """Implements ``bot.outbox.port.NoticeChannel`` for advisers in a 1:1 chat with the bot."""

    name = TEAMS

    def __init__(self, notifier: TeamsNotifier, tenant_id: str) -> None:
        self._notifier = notifier
        self._tenant_id = tenant_id

    async def deliver(self, address: str, notice: Notice) -> None:
        if not self._tenant_id:
            # Without a tenant Teams cannot open the 1:1 chat; no retry will change that.
            raise DeliveryError("teams no_tenant", retryable=False)
        if not address.strip():
            raise DeliveryError("teams no_address", retryable=False)
        reply = Reply(notice_text(notice), lang=notice.lang)
        await self._notifier.notify(address, self._tenant_id, [reply])
