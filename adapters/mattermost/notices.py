"""The Mattermost notice channel: the outbox's port over the REST API.

The address is the adviser's Mattermost user id (26 characters, ``adviser add``). A notice
is one post in the bot's direct channel with the adviser: the subject in bold on the first
line, then the body with the link (Mattermost renders markdown in posts).

Answers (api.mattermost.com, "Create a post" / "Create a direct message channel"): 403 (the
bot may not message this user, e.g. DMs restricted to teammates) and 404 (the user is gone)
are final, so the outbox gives up at once; 429, 5xx and network failures are for a later try.

Idempotency: the post carries a ``pending_post_id`` derived from the notice's key. The server
keeps the pending ids it saw for 30 seconds in a cache of 25,000 entries and answers a repeat
with the post it already made (``deduplicateCreatePost``, server/channels/app/post.go;
mattermost/mattermost#10006), so a send retried after a lost answer shows once. The window
is short and, on older clusters, per app node: a retry the outbox makes minutes later is a
new post. The server sets no length on the field (``Post.IsValid`` does not check it) and
only uses it as a cache key and echoes it back; we send 26 characters of [a-z2-7], the
shape of Mattermost's own ids, and a hash rather than the key itself, so nothing the outbox
stores can be matched with what the chat server or the adviser's clients see.
"""

from __future__ import annotations

import base64
import hashlib

from adapters.mattermost.rest import MattermostApi
from bot.errors import DeliveryError
from bot.outbox.port import MATTERMOST, Notice

PENDING_POST_ID_LENGTH = 26  # Mattermost's id length; the web app sends 40 ("user:millis")
_DOMAIN = b"meldwijzer mattermost pending_post_id\x00"


def notice_text(notice: Notice) -> str:
    return f"**{notice.subject}**\n\n{notice.body}"


def pending_post_id_for(key: str) -> str:
    """The same notice key gives the same id, on every replica and every retry."""
    digest = hashlib.sha256(_DOMAIN + key.encode()).digest()
    return base64.b32encode(digest).decode().lower()[:PENDING_POST_ID_LENGTH]


class MattermostNoticeChannel:
    """Implements ``bot.outbox.port.NoticeChannel`` for advisers on Mattermost."""

    name = MATTERMOST

    def __init__(self, api: MattermostApi) -> None:
        self._api = api

    async def deliver(self, address: str, notice: Notice) -> None:
        """Raises ``MattermostApiError`` (a ``DeliveryError``) with ``retryable`` set."""
        user_id = address.strip()
        if not user_id:
            raise DeliveryError("mattermost no_address", retryable=False)
        channel_id = await self._api.direct_channel(user_id)
        await self._api.create_post(
            channel_id, notice_text(notice), pending_post_id=pending_post_id_for(notice.key)
        )
