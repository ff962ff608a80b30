"""Proactive notices to advisers in a 1:1 Teams chat with the bot.

Flow from "Send proactive messages" (learn.microsoft.com/microsoftteams/platform/bots/how-to/
conversations/send-proactive-messages): create the 1:1 conversation with
``POST /v3/conversations`` (bot ``28:<app id>``, the adviser as member, the tenant in
``channelData``), keep its id and service URL, then ``POST /v3/conversations/{id}/activities``.
The app must be installed for the adviser (personal scope) or Teams answers 403.

Error handling follows "Status codes from bot conversational APIs": 404 ``ConversationNotFound``
means the stored chat is gone, so we drop it and open a new one once; 403
``MessageWritesBlocked`` means the adviser blocked the bot, so we drop it and give up for good;
412/429/502/504 are retried with backoff (``adapters/teams/retry.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

from botbuilder.schema import Activity, ChannelAccount, ConversationParameters

from adapters.teams.connectors import CachingConnectorFactory
from adapters.teams.outgoing import to_activities
from adapters.teams.references import AdviserConversation, AdviserConversationStore
from adapters.teams.retry import ConnectorRejected, RetryPolicy, call_with_retry
from bot.core import Reply
from bot.errors import DeliveryError

log = logging.getLogger(__name__)

BLOCKED_CODES = frozenset({"MessageWritesBlocked", "ConversationBlockedByUser"})


class TeamsNotifier:
    """Sends replies to an adviser, identified by Azure AD object id and tenant."""

    def __init__(
        self,
        connectors: CachingConnectorFactory,
        store: AdviserConversationStore,
        *,
        app_id: str,
        service_url: str,
        retry: RetryPolicy,
    ) -> None:
        self._connectors = connectors
        self._store = store
        self._app_id = app_id
        self._service_url = service_url
        self._retry = retry

    async def notify(self, adviser_aad_id: str, tenant_id: str, replies: Sequence[Reply]) -> None:
        """Deliver ``replies``; raises DeliveryError (``retryable`` tells the outbox)."""
        messages = to_activities(replies)
        reference = await self._store.find(adviser_aad_id, tenant_id)
        if reference is None:
            reference = await self._open(adviser_aad_id, tenant_id)
            await self._deliver(reference, messages)
            return
        try:
            await self._send(reference, messages)
        except ConnectorRejected as exc:
            if exc.status != 404:
                await self._give_up(reference, exc)
            await self._store.drop(adviser_aad_id, tenant_id)
            log.info("teams adviser conversation was gone; opening a new one")
            await self._deliver(await self._open(adviser_aad_id, tenant_id), messages)

    async def _deliver(
        self, reference: AdviserConversation, messages: list[dict[str, Any]]
    ) -> None:
        try:
            await self._send(reference, messages)
        except ConnectorRejected as exc:
            if exc.status == 404:
                await self._store.drop(reference.adviser_aad_id, reference.tenant_id)
                raise DeliveryError(
                    "the new Teams conversation was not found", retryable=False
                ) from exc
            await self._give_up(reference, exc)

    async def _give_up(self, reference: AdviserConversation, exc: ConnectorRejected) -> None:
        if exc.status == 403 and exc.code in BLOCKED_CODES:
            await self._store.drop(reference.adviser_aad_id, reference.tenant_id)
        log.warning("teams notice not delivered: HTTP %s %s", exc.status, exc.code)
        raise DeliveryError(
            f"Teams refused the notice: HTTP {exc.status} {exc.code}".strip(),
            retryable=exc.retryable,
        ) from exc

    async def _open(self, adviser_aad_id: str, tenant_id: str) -> AdviserConversation:
        client = await self._connectors.create(self._service_url)
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=f"28:{self._app_id}"),
            members=[ChannelAccount(id=adviser_aad_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}},
        )
        try:
            created = await call_with_retry(
                lambda: client.conversations.create_conversation(parameters), self._retry
            )
        except ConnectorRejected as exc:
            log.warning("teams conversation not created: HTTP %s %s", exc.status, exc.code)
            raise DeliveryError(
                f"Teams refused a new conversation: HTTP {exc.status} {exc.code}".strip(),
                retryable=exc.retryable,
            ) from exc
        reference = AdviserConversation(
            adviser_aad_id, tenant_id, created.id, created.service_url or self._service_url
        )
        await self._store.save(reference)
        return reference

    async def _send(self, reference: AdviserConversation, messages: list[dict[str, Any]]) -> None:
        client = await self._connectors.create(reference.service_url)
        for message in messages:
            envelope = {
                "from": {"id": f"28:{self._app_id}"},
                "conversation": {"id": reference.conversation_id},
            }
            activity = Activity.deserialize({**message, **envelope})
            await call_with_retry(
                partial(
                    client.conversations.send_to_conversation, reference.conversation_id, activity
                ),
                self._retry,
            )
