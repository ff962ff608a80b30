"""Wire the Teams channel into the aiohttp app: one call from ``create_app``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.live_cards import LiveCards
from adapters.teams.connectors import (
    CachingAuthentication,
    CachingConnectorFactory,
    ConnectorCache,
    hide_conversation_paths_in_http_logs,
)
from adapters.teams.credentials import TeamsCredentialsFactory
from adapters.teams.endpoints import PUBLIC_CLOUD, TeamsEndpoints, sdk_configuration
from adapters.teams.key_cache import KeyRefreshPolicy, SigningKeys
from adapters.teams.messages import MessagesEndpoint
from adapters.teams.notifier import TeamsNotifier
from adapters.teams.references import AdviserConversationStore
from adapters.teams.replies import ReplySender
from adapters.teams.retry import RetryPolicy
from adapters.teams.tokens import BotTokenSource
from adapters.teams.turn import LiveCard, TeamsTurn, TurnHandler
from bot.errors import ConfigError
from bot.settings import Settings

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"


@dataclass(frozen=True, slots=True)
class TeamsChannel:
    """What ``setup_teams`` built; ``notifier`` goes to the outbox."""

    endpoint: MessagesEndpoint
    notifier: TeamsNotifier
    adapter: Any
    connectors: ConnectorCache
    tokens: BotTokenSource | None
    replies: ReplySender
    signing_keys: SigningKeys | None

    async def close(self) -> None:
        if self.signing_keys is not None:
            await self.signing_keys.close()
        await self.connectors.close()
        await self.replies.close()
        if self.tokens is not None:
            await self.tokens.close()


def setup_teams(
    app: web.Application,
    handler: TurnHandler,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    *,
    endpoints: TeamsEndpoints = PUBLIC_CLOUD,
    retry: RetryPolicy | None = None,
    key_refresh: KeyRefreshPolicy | None = None,
    live_cards: LiveCards[LiveCard] | None = None,
) -> TeamsChannel:
    """Mount ``POST /api/messages`` on ``app`` and return the channel (with its notifier)."""
    channel = build_teams_channel(
        handler,
        settings,
        sessions,
        endpoints=endpoints,
        retry=retry,
        key_refresh=key_refresh,
        live_cards=live_cards,
    )
    app.router.add_post(MESSAGES_PATH, channel.endpoint.handle)
    if not settings.teams_app_id:
        app.on_startup.append(_warn_auth_off)
    signing_keys = channel.signing_keys
    if signing_keys is not None:

        async def fetch_keys(_app: web.Application) -> None:
            await signing_keys.start()

        app.on_startup.append(fetch_keys)

    async def close(_app: web.Application) -> None:
        await channel.close()

    app.on_cleanup.append(close)
    return channel


def build_teams_channel(
    handler: TurnHandler,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    *,
    endpoints: TeamsEndpoints = PUBLIC_CLOUD,
    retry: RetryPolicy | None = None,
    key_refresh: KeyRefreshPolicy | None = None,
    live_cards: LiveCards[LiveCard] | None = None,
) -> TeamsChannel:
    _check(settings)
    hide_conversation_paths_in_http_logs()
    retry = retry or RetryPolicy()
    configuration = sdk_configuration(settings, endpoints)
    tokens = _token_source(settings, endpoints)
    credentials = TeamsCredentialsFactory(settings.teams_app_id, tokens)
    sdk_auth = ConfigurationBotFrameworkAuthentication(
        configuration, credentials_factory=credentials
    )
    # Only with an app id are tokens checked, so only then are keys needed (and fetched).
    signing_keys = (
        SigningKeys(
            [endpoints.channel_openid_metadata_url, endpoints.emulator_openid_metadata_url],
            key_refresh or KeyRefreshPolicy(),
        )
        if tokens
        else None
    )
    cache = ConnectorCache(credentials, configuration.TO_CHANNEL_FROM_BOT_LOGIN_URL)
    authentication = CachingAuthentication(sdk_auth, cache)
    adapter = CloudAdapter(authentication)
    replies = ReplySender(tokens, endpoints.channel_scope, retry)
    endpoint = MessagesEndpoint(
        adapter,
        authentication,
        TeamsTurn(handler, replies, retry, live_cards),
        auth_required=bool(tokens),
        service_url=endpoints.default_service_url,
    )
    notifier = TeamsNotifier(
        CachingConnectorFactory(cache, settings.teams_app_id, endpoints.channel_scope),
        AdviserConversationStore(sessions),
        app_id=settings.teams_app_id,
        service_url=endpoints.default_service_url,
        retry=retry,
    )
    return TeamsChannel(endpoint, notifier, adapter, cache, tokens, replies, signing_keys)


def _check(settings: Settings) -> None:
    if not settings.teams_app_id:
        if settings.production:
            raise ConfigError(
                "MELDWIJZER_TEAMS_APP_ID: required in production; without it anyone could "
                "post to /api/messages"
            )
        return
    if not settings.teams_app_password.get_secret_value():
        raise ConfigError(
            "MELDWIJZER_TEAMS_APP_PASSWORD: required when MELDWIJZER_TEAMS_APP_ID is set"
        )


def _token_source(settings: Settings, endpoints: TeamsEndpoints) -> BotTokenSource | None:
    if not settings.teams_app_id:
        return None
    return BotTokenSource(
        settings.teams_app_id,
        settings.teams_app_password.get_secret_value(),
        endpoints.token_url(settings.teams_tenant_id),
    )


async def _warn_auth_off(_app: web.Application) -> None:
    log.warning(
        "TEAMS AUTHENTICATION IS OFF: MELDWIJZER_TEAMS_APP_ID is empty, so /api/messages "
        "accepts unsigned requests from anyone. Development only; production refuses this."
    )
