"""One Mattermost turn: an Incoming to the core, its replies posted to the DM over REST.

This is the one place in the Mattermost channel that turns an unexpected error of the core
into a short apology to the person and one log line (the exception's type, nothing else:
no user, channel or post id, no text).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from adapters.apology import apology
from adapters.mattermost.render import to_posts
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
    ) -> None:
        self._handler = handler
        self._api = api
        self._signer = signer
        self._actions_url = actions_url

    async def replies(self, incoming: Incoming) -> Sequence[Reply]:
        try:
            return await self._handler.handle(incoming)
        except Exception as exc:  # the channel's one catch-all: apologise, log the type only
            log.error("mattermost turn failed: %s", type(exc).__name__)
            return [apology(incoming.locale)]

    async def run(self, incoming: Incoming) -> list[PostedReply]:
        """The turn and its posts; each reply's buttons share a fresh nonce (single use)."""
        return await self.post(incoming, await self.replies(incoming))

    async def post(self, incoming: Incoming, replies: Sequence[Reply]) -> list[PostedReply]:
        posted: list[PostedReply] = []
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
            try:
                for message in outgoing:
                    await self._api.create_post(
                        incoming.conversation, message.message, message.props or None
                    )
            except MattermostApiError as exc:
                log.warning("mattermost reply not delivered: HTTP %s", exc.status)
                break
            posted.append(PostedReply(reply, nonce))
        return posted
