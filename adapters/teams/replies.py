"""Replies to the conversation a turn came from, posted to the Bot Connector directly.

The SDK's ``TurnContext.send_activity`` deep-copies the activity and serialises it through
msrest's model walker; for a menu card that is most of a turn's time. A reply is one REST
call ("Bot Connector API: Reply to Activity", ``POST /v3/conversations/{conversationId}/
activities/{activityId}``), which we make with one ``json.dumps``. Addressing follows the
SDK's ``TurnContext.apply_conversation_reference``: the bot answers as the activity's
recipient, to its sender, in its conversation, at its (authenticated) service URL.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import aiohttp

from adapters.teams.connectors import USER_AGENT
from adapters.teams.retry import ConnectorRejected, RetryPolicy, call_with_retry
from adapters.teams.tokens import BotTokenSource

Json = dict[str, Any]
SEND_TIMEOUT = aiohttp.ClientTimeout(total=20)


def reply_url(incoming: Mapping[str, Any]) -> str:
    base = str(incoming["serviceUrl"]).rstrip("/")
    conversation = quote(str(incoming["conversation"]["id"]), safe="")
    reply_to = quote(str(incoming.get("id") or ""), safe="")
    return f"{base}/v3/conversations/{conversation}/activities/{reply_to}"


def reply_body(incoming: Mapping[str, Any], message: Json) -> Json:
    return {
        **message,
        "channelId": incoming.get("channelId"),
        "serviceUrl": incoming["serviceUrl"],
        "conversation": incoming["conversation"],
        "from": incoming.get("recipient"),
        "recipient": incoming.get("from"),
        "replyToId": incoming.get("id"),
        "inputHint": "acceptingInput",
    }


class ReplySender:
    """Posts replies with the bot's own token (none when authentication is off)."""

    def __init__(self, tokens: BotTokenSource | None, scope: str, retry: RetryPolicy) -> None:
        self._tokens = tokens
        self._scope = scope
        self._retry = retry
        self._session: aiohttp.ClientSession | None = None

    async def reply(self, incoming: Mapping[str, Any], message: Json) -> str:
        """Post ``message``; the new message's id ("" when the connector names none)."""
        url = reply_url(incoming)
        body = json.dumps(reply_body(incoming, message), ensure_ascii=False).encode()
        return await call_with_retry(lambda: self._post(url, body), self._retry)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _post(self, url: str, body: bytes) -> str:
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
        if self._tokens is not None:
            headers["Authorization"] = f"Bearer {await self._tokens.token(self._scope)}"
        try:
            async with self._client().post(url, data=body, headers=headers) as response:
                if response.status >= 300:
                    raise ConnectorRejected(
                        response.status, await _error_code(response), _retry_after(response)
                    )
                return await _message_id(response)
        except aiohttp.ClientError as exc:
            raise ConnectorRejected(None, type(exc).__name__) from None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=SEND_TIMEOUT)
        return self._session


async def _message_id(response: aiohttp.ClientResponse) -> str:
    """The ``id`` of the ``ResourceResponse`` a reply is answered with (the REST reference's
    "Reply to Activity"); Teams puts the same id in ``replyToId`` when a card is pressed."""
    try:
        body = await response.json(content_type=None)
    except (ValueError, aiohttp.ClientError):
        return ""
    found = body.get("id") if isinstance(body, dict) else None
    return found if isinstance(found, str) else ""


async def _error_code(response: aiohttp.ClientResponse) -> str:
    try:
        body = await response.json(content_type=None)
    except (ValueError, aiohttp.ClientError):
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code") or "") if isinstance(error, dict) else ""


def _retry_after(response: aiohttp.ClientResponse) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
