"""The bot's outgoing access token, fetched without blocking the event loop and cached.

The SDK's ``MicrosoftAppCredentials`` builds a new MSAL application for every turn (so its
token cache is empty every turn) and calls Azure AD synchronously from the event loop. We
fetch the token ourselves with the OAuth 2.0 client-credentials grant the Bot Connector
documents ("Authentication with the Bot Connector API", section "Bot to Connector":
``POST https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token`` with
``grant_type=client_credentials`` and ``scope=https://api.botframework.com/.default``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import aiohttp

from bot.errors import DeliveryError

log = logging.getLogger(__name__)

# Refresh this long before expiry so a token never runs out in the middle of a send.
REFRESH_MARGIN_SECONDS = 300.0
TOKEN_REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=15)


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    expires_at: float

    def fresh(self, now: float) -> bool:
        return now < self.expires_at - REFRESH_MARGIN_SECONDS


class BotTokenSource:
    """Client-credentials tokens for one app id, one cached token per scope."""

    def __init__(self, app_id: str, password: str, token_url: str) -> None:
        self._app_id = app_id
        self._password = password
        self._token_url = token_url
        self._tokens: dict[str, _Token] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return "BotTokenSource(password='**********')"

    async def token(self, scope: str) -> str:
        """A valid access token for ``scope``; fetched at most once at a time per scope."""
        cached = self._tokens.get(scope)
        if cached is not None and cached.fresh(time.monotonic()):
            return cached.value
        lock = self._locks.setdefault(scope, asyncio.Lock())
        async with lock:
            cached = self._tokens.get(scope)
            if cached is None or not cached.fresh(time.monotonic()):
                cached = await self._fetch(scope)
                self._tokens[scope] = cached
        return cached.value

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _fetch(self, scope: str) -> _Token:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._app_id,
            "client_secret": self._password,
            "scope": _default_scope(scope),
        }
        started = time.monotonic()
        try:
            async with self._client().post(self._token_url, data=form) as response:
                if response.status != 200:
                    log.warning("bot token request refused with HTTP %s", response.status)
                    raise DeliveryError(
                        "the bot token request was refused", retryable=response.status >= 500
                    )
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise DeliveryError(f"bot token request failed: {type(exc).__name__}") from exc
        return _parse_token(body, started)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TOKEN_REQUEST_TIMEOUT)
        return self._session


def _default_scope(scope: str) -> str:
    return scope if scope.endswith("/.default") else scope.rstrip("/") + "/.default"


def _parse_token(body: object, started: float) -> _Token:
    if not isinstance(body, dict):
        raise DeliveryError("the bot token response is not a JSON object")
    value = body.get("access_token")
    lifetime = body.get("expires_in", 0)
    if not isinstance(value, str) or not value:
        raise DeliveryError("the bot token response has no access_token")
    try:
        seconds = float(lifetime)
    except (TypeError, ValueError):
        seconds = 0.0
    return _Token(value=value, expires_at=started + seconds)
