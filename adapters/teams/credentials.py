"""Credentials for the SDK's connector clients, backed by :class:`BotTokenSource`.

``ConfigurationBotFrameworkAuthentication`` accepts a ``credentials_factory``; ours answers the
same questions as the SDK's ``PasswordServiceClientCredentialFactory`` (is this our app id, is
authentication off) but returns an msrest pipeline policy instead of ``MicrosoftAppCredentials``.
msrest inserts a credentials object that is an ``AsyncHTTPPolicy`` straight into the client's
pipeline (``msrest/async_client.py``, ``ServiceClientAsync._create_default_pipeline``), so the
token is awaited per request and never fetched synchronously on the event loop.
"""

from __future__ import annotations

from typing import Any

from botframework.connector.auth import MicrosoftAppCredentials, ServiceClientCredentialsFactory
from msrest.pipeline import AsyncHTTPPolicy  # type: ignore[attr-defined]

from adapters.teams.tokens import BotTokenSource


class BearerTokenPolicy(AsyncHTTPPolicy):  # type: ignore[type-arg]
    """Adds ``Authorization: Bearer <token>`` to every request of one client.

    One instance per client: msrest links policies through ``self.next``.
    """

    def __init__(self, app_id: str, tokens: BotTokenSource, scope: str) -> None:
        super().__init__()
        # Read by SDK code that asks a client which app it acts for.
        self.microsoft_app_id = app_id
        self._tokens = tokens
        self._scope = scope

    async def send(self, request: Any, **kwargs: Any) -> Any:
        token = await self._tokens.token(self._scope)
        request.http_request.headers["Authorization"] = f"Bearer {token}"
        following: Any = self.next
        return await following.send(request, **kwargs)


class TeamsCredentialsFactory(ServiceClientCredentialsFactory):  # type: ignore[misc]
    """Our app id and password; an empty app id means authentication is off (development)."""

    def __init__(self, app_id: str, tokens: BotTokenSource | None) -> None:
        self._app_id = app_id
        self._tokens = tokens

    def __repr__(self) -> str:
        return "TeamsCredentialsFactory()"

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(self._app_id) and app_id == self._app_id

    async def is_authentication_disabled(self) -> bool:
        return not self._app_id

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Any:
        if self._tokens is None or not self._app_id:
            # Same as the SDK with auth off: no Authorization header at all.
            return MicrosoftAppCredentials.empty()
        if app_id != self._app_id:
            raise PermissionError("credentials requested for another app id")
        return BearerTokenPolicy(app_id, self._tokens, oauth_scope)
