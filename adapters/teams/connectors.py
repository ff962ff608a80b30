"""Connector clients built once and reused, at the boundary of the SDK's authentication.

For every turn the SDK builds a new ``ConnectorClient`` (``_ConnectorFactoryImpl.create``) and
a new user-token client (``create_user_token_client``); each msrest client constructs a
``ClientRetryPolicy`` whose list comprehension tests membership in a 500-element list
(``msrest/universal_http/requests.py``), about 6 ms of CPU, and opens a fresh HTTP session.
:class:`CachingAuthentication` wraps the SDK's ``BotFrameworkAuthentication`` and hands out
factories that keep one client per (service URL, app id, audience). It relies only on the
public ``BotFrameworkAuthentication`` and ``AuthenticateRequestResult`` surface, so it keeps
working when the SDK changes how it builds clients.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from typing import Any

from botframework.connector.about import __version__ as connector_version
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ConnectorFactory,
    ServiceClientCredentialsFactory,
)

# Same user agent the SDK's factory sets (botframework/connector/auth/_connector_factory_impl.py).
USER_AGENT = f"Microsoft-BotFramework/3.1 (BotBuilder Python/{connector_version})"
# Service URLs are few (one per Teams region); with auth off they come from unverified
# activities, so the cache is bounded.
MAX_CACHED_CLIENTS = 64

ClientKey = tuple[str, str, str]
# msrest sends through requests, whose urllib3 logs every request line at DEBUG; a Bot
# Connector URL names the person's Teams conversation.
HTTP_LOGGER = "urllib3.connectionpool"
_CONVERSATION_PATH = re.compile(r"/v3/conversations/[^\s\"]*")


class HideConversationPaths(logging.Filter):
    """Rewrites a logged Bot Connector URL so no conversation or message id is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/v3/conversations/" in message:
            record.msg = _CONVERSATION_PATH.sub("/v3/conversations/<hidden>", message)
            record.args = ()
        return True


_HIDE_CONVERSATION_PATHS = HideConversationPaths()


def hide_conversation_paths_in_http_logs() -> None:
    """Idempotent: a logger keeps one copy of the same filter."""
    logging.getLogger(HTTP_LOGGER).addFilter(_HIDE_CONVERSATION_PATHS)


class ConnectorCache:
    """A bounded, least-recently-used set of connector clients."""

    def __init__(self, credentials: ServiceClientCredentialsFactory, login_url: str) -> None:
        self._credentials = credentials
        self._login_url = login_url
        self._clients: OrderedDict[ClientKey, Any] = OrderedDict()

    def __len__(self) -> int:
        return len(self._clients)

    async def client(self, service_url: str, app_id: str, audience: str) -> Any:
        key = (service_url, app_id, audience)
        client = self._clients.get(key)
        if client is None:
            client = await self._build(service_url, app_id, audience)
            self._clients[key] = client
            await self._evict()
        self._clients.move_to_end(key)
        return client

    async def close(self) -> None:
        clients = list(self._clients.values())
        self._clients.clear()
        for client in clients:
            await _close(client)

    async def _build(self, service_url: str, app_id: str, audience: str) -> Any:
        credentials = await self._credentials.create_credentials(
            app_id, audience, self._login_url, False
        )
        client = ConnectorClient(credentials, base_url=service_url)
        client.config.add_user_agent(USER_AGENT)
        # Retries live in one place (adapters/teams/retry.py, with jitter and Retry-After);
        # msrest would otherwise retry every 5xx of a POST three more times on its own.
        client.config.retry_policy.retries = 0
        return client

    async def _evict(self) -> None:
        while len(self._clients) > MAX_CACHED_CLIENTS:
            _, old = self._clients.popitem(last=False)
            await _close(old)


class CachingConnectorFactory(ConnectorFactory):  # type: ignore[misc]
    """The SDK's ``ConnectorFactory`` contract for one app id, served from a cache."""

    def __init__(self, cache: ConnectorCache, app_id: str, default_audience: str) -> None:
        self._cache = cache
        self._app_id = app_id
        self._default_audience = default_audience

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        return await self._cache.client(
            service_url, self._app_id, audience or self._default_audience
        )


class CachingAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]
    """Delegates to the SDK's authentication; swaps in cached connector and token clients."""

    def __init__(self, inner: Any, cache: ConnectorCache) -> None:
        self._inner = inner
        self._cache = cache
        self._user_token_clients: dict[str, Any] = {}

    async def authenticate_request(self, activity: Any, auth_header: str | None) -> Any:
        result = await self._inner.authenticate_request(activity, auth_header)
        result.connector_factory = self.create_connector_factory(result.claims_identity)
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id: str) -> Any:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id)

    def create_connector_factory(self, claims_identity: Any) -> CachingConnectorFactory:
        return CachingConnectorFactory(
            self._cache, app_id_of(claims_identity), self._inner.get_originating_audience()
        )

    async def create_user_token_client(self, claims_identity: Any) -> Any:
        app_id = app_id_of(claims_identity)
        client = self._user_token_clients.get(app_id)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            self._user_token_clients[app_id] = client
        return client

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> Any:
        return await self._inner.authenticate_channel_request(auth_header)


async def _close(client: Any) -> None:
    # SDKClientAsync closes its HTTP session on exit (msrest/async_client.py).
    await client.__aexit__(None, None, None)


def app_id_of(claims_identity: Any) -> str:
    """The bot's app id in the claims: ``aud`` from a channel, ``appid`` otherwise.

    Mirrors ``_BuiltinBotFrameworkAuthentication.get_app_id`` in the SDK.
    """
    claims = claims_identity.claims or {}
    value = claims.get(AuthenticationConstants.AUDIENCE_CLAIM) or claims.get(
        AuthenticationConstants.APP_ID_CLAIM
    )
    return str(value or "")
