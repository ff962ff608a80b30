"""One Teams turn: activity in, core handler, replies out through the SDK's turn context.

This is the one place in the Teams channel that turns an unexpected error into a short
apology to the person and one log line (without message text or any identifier).

When a reply supersedes the earlier ones, the bot's own earlier cards in the conversation
(:class:`adapters.live_cards.LiveCards`) are updated to their text alone, after every reply
of the turn went out: the Bot Connector's "Update Activity" (``PUT /v3/conversations/
{conversationId}/activities/{activityId}``, made by the SDK's ``update_activity``), as the
Teams docs describe for "Update and delete messages sent from your bot". That covers the
card a button or form came from (its ``replyToId``) whenever the bot showed it, without
ever trusting the ``replyToId`` itself. Best effort: one attempt, a failure is logged by its
status only and the turn goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from adapters.apology import apology
from adapters.live_cards import LiveCards, Shown
from adapters.teams.incoming import to_incoming
from adapters.teams.outgoing import (
    HIDE_ACTION,
    hidden_message,
    reply_activities,
    superseded_message,
    to_sdk_activity,
)
from adapters.teams.replies import ReplySender
from adapters.teams.retry import ConnectorRejected, RetryPolicy, call_with_retry
from bot.core import Incoming, Reply, language_of

log = logging.getLogger(__name__)

# An update is a courtesy: a retry's wait would come out of the 15 seconds Teams gives a
# bot to answer ("Optimize your bot: rate limiting", learn.microsoft.com/microsoftteams/
# platform/bots/how-to/rate-limit), which the replies need more.
ONE_ATTEMPT = RetryPolicy(attempts=1)


@dataclass(frozen=True, slots=True)
class LiveCard:
    """A card the bot sent: its message id and the message that replaces it when stale."""

    message_id: str
    superseded: dict[str, Any]


class TurnHandler(Protocol):
    """What the Teams channel needs from the conversation core."""

    async def handle(self, incoming: Incoming) -> Sequence[Reply]: ...


class TeamsTurn:
    """Runs the core handler for one activity and sends what it answers."""

    def __init__(
        self,
        handler: TurnHandler,
        replies: ReplySender,
        retry: RetryPolicy,
        live: LiveCards[LiveCard] | None = None,
    ) -> None:
        self._handler = handler
        self._replies_out = replies
        self._retry = retry
        self.live: LiveCards[LiveCard] = live if live is not None else LiveCards()

    async def run(self, context: Any, payload: Mapping[str, Any]) -> None:
        if _asks_to_hide(payload):
            await self._hide(context, payload)
            return
        incoming = to_incoming(payload)
        if incoming is None:
            return
        shown = [await self._show(payload, reply) for reply in await self._replies(incoming)]
        for card in self.live.settle(conversation_key(payload), shown):
            await self._supersede(context, card)

    async def _show(self, payload: Mapping[str, Any], reply: Reply) -> Shown[LiveCard]:
        """Send one reply; its card is live unless it is a receipt's (whose one button hides
        the code and must keep working)."""
        cards: list[LiveCard] = []
        for message in reply_activities(reply):
            message_id = await self._send(payload, message)
            superseded = superseded_message(message)
            if message_id and superseded is not None and not reply.sensitive:
                cards.append(LiveCard(message_id, superseded))
        return Shown(reply.supersedes, tuple(cards))

    async def _supersede(self, context: Any, card: LiveCard) -> None:
        activity = to_sdk_activity({**card.superseded, "id": card.message_id})
        try:
            await call_with_retry(lambda: context.update_activity(activity), ONE_ATTEMPT)
        except ConnectorRejected as exc:
            log.warning("teams card not updated: HTTP %s %s", exc.status, exc.code)
        except Exception as exc:  # best effort: never fails the turn, logs the type only
            log.warning("teams card not updated: %s", type(exc).__name__)

    async def _replies(self, incoming: Incoming) -> Sequence[Reply]:
        try:
            return await self._handler.handle(incoming)
        except Exception as exc:  # the channel's one catch-all: apologise, log the type only
            log.error("teams turn failed: %s", type(exc).__name__)
            return [apology(incoming.locale)]

    async def _hide(self, context: Any, payload: Mapping[str, Any]) -> None:
        """Overwrite the bot's own message that showed a receipt; the core never sees this.

        A card's Action.Submit arrives with ``replyToId`` set to the message holding the card
        ("Card actions", learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/
        cards/cards-actions), so nothing has to be stored to know which message to update.
        """
        message = hidden_message(language_of(str(payload.get("locale") or "")) or "nl")
        activity = to_sdk_activity({**message, "id": payload["replyToId"]})
        try:
            await call_with_retry(lambda: context.update_activity(activity), self._retry)
        except ConnectorRejected as exc:
            log.warning("teams message not updated: HTTP %s %s", exc.status, exc.code)

    async def _send(self, payload: Mapping[str, Any], message: dict[str, Any]) -> str:
        try:
            return await self._replies_out.reply(payload, message)
        except ConnectorRejected as exc:
            log.warning("teams reply not delivered: HTTP %s %s", exc.status, exc.code)
            raise


def conversation_key(payload: Mapping[str, Any]) -> str:
    """The conversation at its service URL: an update goes where the turn's replies went."""
    conversation = payload.get("conversation")
    identifier = conversation.get("id") if isinstance(conversation, Mapping) else None
    return f"{payload.get('serviceUrl')}\x1f{identifier}"


def _asks_to_hide(payload: Mapping[str, Any]) -> bool:
    value = payload.get("value")
    return (
        payload.get("type") == "message"
        and isinstance(value, Mapping)
        and value.get("action") == HIDE_ACTION
        and isinstance(payload.get("replyToId"), str)
        and bool(payload.get("replyToId"))
    )
