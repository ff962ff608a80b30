"""One Teams turn: activity in, core handler, replies out through the SDK's turn context.

This is the one place in the Teams channel that turns an unexpected error into a short
apology to the person and one log line (without message text or any identifier).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from adapters.apology import apology
from adapters.teams.incoming import to_incoming
from adapters.teams.outgoing import HIDE_ACTION, hidden_message, to_activities, to_sdk_activity
from adapters.teams.replies import ReplySender
from adapters.teams.retry import ConnectorRejected, RetryPolicy, call_with_retry
from bot.core import Incoming, Reply, language_of

log = logging.getLogger(__name__)


class TurnHandler(Protocol):
    """What the Teams channel needs from the conversation core."""

    async def handle(self, incoming: Incoming) -> Sequence[Reply]: ...


class TeamsTurn:
    """Runs the core handler for one activity and sends what it answers."""

    def __init__(self, handler: TurnHandler, replies: ReplySender, retry: RetryPolicy) -> None:
        self._handler = handler
        self._replies_out = replies
        self._retry = retry

    async def run(self, context: Any, payload: Mapping[str, Any]) -> None:
        if _asks_to_hide(payload):
            await self._hide(context, payload)
            return
        incoming = to_incoming(payload)
        if incoming is None:
            return
        replies = await self._replies(incoming)
        for message in to_activities(replies):
            await self._send(payload, message)

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

    async def _send(self, payload: Mapping[str, Any], message: dict[str, Any]) -> None:
        try:
            await self._replies_out.reply(payload, message)
        except ConnectorRejected as exc:
            log.warning("teams reply not delivered: HTTP %s %s", exc.status, exc.code)
            raise


def _asks_to_hide(payload: Mapping[str, Any]) -> bool:
    value = payload.get("value")
    return (
        payload.get("type") == "message"
        and isinstance(value, Mapping)
        and value.get("action") == HIDE_ACTION
        and isinstance(payload.get("replyToId"), str)
        and bool(payload.get("replyToId"))
    )
