"""Where the Teams channel talks to: Bot Framework login, OpenID metadata and connector URLs.

The values for the public cloud are the ones the SDK itself uses
(``botframework.connector.auth.AuthenticationConstants``); we pass them explicitly so the SDK
runs in its "parameterized" mode (``BotFrameworkAuthenticationFactory.create`` picks
``_ParameterizedBotFrameworkAuthentication`` as soon as one URL is given), which lets tests
point every URL at fakes on 127.0.0.1 instead of login.botframework.com.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings

PUBLIC_LOGIN_HOST = "https://login.microsoftonline.com"
# The tenant the Bot Framework issues multi-tenant bot tokens from
# ("Authentication with the Bot Connector API", learn.microsoft.com/azure/bot-service/rest-api/
# bot-framework-rest-connector-authentication).
BOT_FRAMEWORK_TENANT = "botframework.com"


@dataclass(frozen=True, slots=True)
class TeamsEndpoints:
    """The URLs of the Bot Framework services the adapter uses."""

    login_host: str = PUBLIC_LOGIN_HOST
    channel_scope: str = "https://api.botframework.com"
    channel_token_issuer: str = "https://api.botframework.com"  # noqa: S105 - an issuer URL
    channel_openid_metadata_url: str = (
        "https://login.botframework.com/v1/.well-known/openidconfiguration"
    )
    emulator_openid_metadata_url: str = (
        "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
    )
    oauth_api_url: str = "https://api.botframework.com"
    # Global Teams service URL for proactive messages to people who never wrote to the bot
    # ("Send proactive messages", learn.microsoft.com/microsoftteams/platform/bots/how-to/
    # conversations/send-proactive-messages).
    default_service_url: str = "https://smba.trafficmanager.net/teams/"
    caller_id: str = "urn:botframework:azure"

    def token_url(self, tenant_id: str) -> str:
        """The OAuth 2.0 client-credentials endpoint for the bot's outgoing token."""
        tenant = tenant_id or BOT_FRAMEWORK_TENANT
        return f"{self.login_host.rstrip('/')}/{tenant}/oauth2/v2.0/token"


PUBLIC_CLOUD = TeamsEndpoints()


@dataclass(frozen=True, slots=True)
class SdkConfiguration:
    """The configuration object ``ConfigurationBotFrameworkAuthentication`` reads by attribute.

    The attribute names are the ones the Python SDK reads with ``getattr``
    (``botbuilder/integration/aiohttp/configuration_bot_framework_authentication.py``); they
    correspond to MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppTenantId and
    MicrosoftAppType in the C# and JavaScript SDKs.
    """

    APP_ID: str
    APP_PASSWORD: str
    APP_TENANTID: str
    APP_TYPE: str
    VALIDATE_AUTHORITY: bool
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL: str
    OAUTH_URL: str
    CALLER_ID: str

    def __repr__(self) -> str:
        return f"SdkConfiguration(APP_TYPE={self.APP_TYPE!r}, APP_PASSWORD='**********')"


def app_type(settings: Settings) -> str:
    """SingleTenant when a tenant is configured (new Azure Bot registrations are single tenant)."""
    return "SingleTenant" if settings.teams_tenant_id else "MultiTenant"


def sdk_configuration(settings: Settings, endpoints: TeamsEndpoints) -> SdkConfiguration:
    return SdkConfiguration(
        APP_ID=settings.teams_app_id,
        APP_PASSWORD=settings.teams_app_password.get_secret_value(),
        APP_TENANTID=settings.teams_tenant_id,
        APP_TYPE=app_type(settings),
        # Authority validation would make MSAL call login.microsoftonline.com for instance
        # discovery; our own credentials factory fetches tokens and never uses MSAL.
        VALIDATE_AUTHORITY=False,
        TO_CHANNEL_FROM_BOT_LOGIN_URL=endpoints.token_url(settings.teams_tenant_id),
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=endpoints.channel_scope,
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=endpoints.channel_token_issuer,
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=endpoints.channel_openid_metadata_url,
        TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=endpoints.emulator_openid_metadata_url,
        OAUTH_URL=endpoints.oauth_api_url,
        CALLER_ID=endpoints.caller_id,
    )
