"""One Mattermost turn: an Incoming to the core, its replies posted to the DM over REST.

This is the one place in the Mattermost channel that turns an unexpected error of the core
into a short apology to the person and one log line (the exception's type, nothing else:
no user, channel or post id, no text).

When a reply supersedes the earlier ones, the bot's own earlier posts with buttons in that
direct message (:class:`adapters.live_cards.LiveCards`) lose their buttons, after every reply
of the turn was posted: the post is read and patched with its attachments' ``actions`` taken
out ("Patch a post", ``PUT /api/v4/posts/{post_id}/patch``, whose ``props`` replace the
post's whole, so the rest of them is kept as read). A pressed post is left to the press's own
``update`` answer (``callbacks.py``). Best effort: a failure is logged by its HTTP status and
the turn goes on. A receipt's post is never touched: its one button hides the code.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from adapters.apology import apology
from adapters.live_cards import LiveCards, Shown
from adapters.mattermost.render import to_posts, without_buttons
from adapters.mattermost.rest import MattermostApi, MattermostApiError
from adapters.mattermost.signing import CallbackSigner
from bot.core import Incoming, Reply

log = logging.getLogger(__name__)


class TurnHandler(Protocol):
    """What the Mattermost channel needs from the conversation core."""

    async def handle(self, incoming: Incoming) -> Sequence[Reply]: ...


@dataclass(frozen=True, slots=True)
class PostedReply:
    """A reply as posted: the core's value and the nonce its buttons share."""

    reply: Reply
    nonce: str


class MattermostTurn:
    """Runs the core for one Incoming and posts what it answers to the conversation."""

    def __init__(
        self,
        handler: TurnHandler,
        api: MattermostApi,
        signer: CallbackSigner,
        *,
        actions_url: str,
        live: LiveCards[str] | None = None,
    ) -> None:
        self._handler = handler
        self._api = api
        self._signer = signer
        self._actions_url = actions_url
        self.live: LiveCards[str] = live if live is not None else LiveCards()

    async def replies(self, incoming: Incoming) -> Sequence[Reply]:
        try:
            return await self._handler.handle(incoming)
        except Exception as exc:  # the channel's one catch-all: apologise, log the type only
            log.error("mattermost turn failed: %s", type(exc).__name__)
            return [apology(incoming.locale)]

    async def run(self, incoming: Incoming, *, answered_post: str = "") -> list[PostedReply]:
        """The turn and its posts; each reply's buttons share a fresh nonce (single use).

        ``answered_post`` is a pressed post the press's answer already updates.
        """
        return await self.post(incoming, await self.replies(incoming), answered_post)

    async def post(
        self, incoming: Incoming, replies: Sequence[Reply], answered_post: str = ""
    ) -> list[PostedReply]:
        posted: list[PostedReply] = []
        shown: list[Shown[str]] = []
        for reply in replies:
            nonce = secrets.token_urlsafe(16)
            outgoing = to_posts(
                [reply],
                conversation=incoming.conversation,
                user=incoming.sender,
                signer=self._signer,
                actions_url=self._actions_url,
                nonce=nonce,
            )
            live: list[str] = []
            try:
                for message in outgoing:
                    post_id = await self._api.create_post(
                        incoming.conversation, message.message, message.props or None
                    )
                    if message.props and not reply.sensitive:
                        live.append(post_id)
            except MattermostApiError as exc:
                log.warning("mattermost reply not delivered: HTTP %s", exc.status)
                break
            posted.append(PostedReply(reply, nonce))
            shown.append(Shown(reply.supersedes, tuple(live)))
        for post_id in self.live.settle(incoming.conversation, shown):
            if post_id != answered_post:
                await self._supersede(incoming.conversation, post_id)
        return posted

    async def _supersede(self, conversation: str, post_id: str) -> None:
        try:
            post = await self._api.post(post_id)
            if post.get("channel_id") != conversation:
                return  # never ours to change (the map only holds our own posts)
            props = post.get("props")
            await self._api.patch_post(post_id, props=without_buttons(props))
        except MattermostApiError as exc:
            log.warning("mattermost post not updated: HTTP %s", exc.status)
        except Exception as exc:  # best effort: never fails the turn, logs the type only
            log.warning("mattermost post not updated: %s", type(exc).__name__)
