"""The web chat channel: a page without login or cookies, and a small JSON API.

The channel with the strongest anonymity: from a personal device nobody but the
person can link a conversation to them. ``setup_webchat`` adds it to the app;
``RouteAccessLogger`` keeps addresses and tokens out of the access log.
"""

from __future__ import annotations

from adapters.webchat.access_log import ACCESS_LOG_FORMAT, RouteAccessLogger
from adapters.webchat.rate_limit import Admission, TurnLimit, TurnRateLimiter
from adapters.webchat.request_body import body_limit_for
from adapters.webchat.routes import TurnHandler, setup_webchat
from adapters.webchat.tokens import ConversationTokens

__all__ = [
    "ACCESS_LOG_FORMAT",
    "Admission",
    "ConversationTokens",
    "RouteAccessLogger",
    "TurnHandler",
    "TurnLimit",
    "TurnRateLimiter",
    "body_limit_for",
    "setup_webchat",
]
