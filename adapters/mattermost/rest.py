"""What the Mattermost adapter needs from the server's REST API, and how a call fails.

:class:`MattermostApi` is our small interface (switching HTTP clients touches one file,
``driver_rest.py``). A failed call raises :class:`MattermostApiError`, a
``bot.errors.DeliveryError`` so the outbox can tell an outage (try later) from a refusal
(give up). Its message is a short code: never the token, never the server's answer text
(which can repeat user names or channel names).
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from adapters.mattermost.account import BotAccount
from bot.errors import ConfigError, DeliveryError

__all__ = ["BotAccount", "MattermostApi", "MattermostApiError", "ssl_context_for"]


class MattermostApiError(DeliveryError):
    """A REST call failed; ``status`` is None when no HTTP answer came (network, TLS).

    ``retry_after`` is the server's asked wait for a 429, in seconds.

    Retryable: 429, 5xx (except 501, "feature disabled") and network failures. Not: other
    4xx, which the same request will meet again.
    """

    def __init__(
        self,
        detail: str,
        *,
        status: int | None,
        retryable: bool,
        retry_after: float | None = None,
        code: str = "",
    ) -> None:
        super().__init__(detail, retryable=retryable)
        self.status = status
        self.retry_after = retry_after
        self.code = code  # short and stable: "forbidden", "unreachable", "tls"...


class MattermostApi(Protocol):
    """The REST calls the adapter makes, as the bot account."""

    async def me(self) -> BotAccount: ...

    async def user_locale(self, user_id: str) -> str | None: ...

    async def direct_channel(self, user_id: str) -> str: ...

    async def create_post(
        self,
        channel_id: str,
        message: str,
        props: Mapping[str, Any] | None = None,
        *,
        pending_post_id: str | None = None,
    ) -> str: ...

    async def ephemeral_post(self, user_id: str, channel_id: str, message: str) -> None: ...

    async def patch_post(
        self,
        post_id: str,
        *,
        message: str | None = None,
        props: Mapping[str, Any] | None = None,
    ) -> None: ...

    async def post(self, post_id: str) -> Mapping[str, Any]: ...

    async def direct_channels_active_since(self, since_ms: int) -> list[str]: ...

    async def posts_since(self, channel_id: str, since_ms: int) -> list[Mapping[str, Any]]: ...

    async def open_dialog(self, trigger_id: str, url: str, dialog: Mapping[str, Any]) -> None: ...

    async def close(self) -> None: ...


def ssl_context_for(ca_file: Path | None) -> ssl.SSLContext:
    """Certificate and host name checked; ``ca_file`` replaces the system's trust store.

    ``ssl.create_default_context`` loads the default certificates only when no CA file is
    given, so with one only that CA is trusted (the same rule REST follows, where requests
    gets ``verify=<ca_file>``).
    """
    try:
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"MELDWIJZER_MATTERMOST_CA_FILE cannot be used: {exc.strerror or exc}"
        ) from None
