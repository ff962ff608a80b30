"""Where the bot may post replies when authentication is off (development only).

With an app id set, an activity's ``serviceUrl`` is vouched for by the token's signed
``serviceurl`` claim. Without one, anyone can post an activity, and the bot would send its
reply (and its outgoing HTTP request) to whatever ``serviceUrl`` the activity names. So in
development the bot only posts to loopback (a local emulator or test fake) or to the host of
the Bot Connector it is configured for.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost"})


def service_url_allowed(service_url: str, configured_service_url: str) -> bool:
    """True for http(s) on loopback, or https on the configured Bot Connector's host."""
    try:
        parts = urlsplit(service_url)
        host = parts.hostname or ""
    except ValueError:  # an unclosed "[" in the authority, say
        return False
    if parts.scheme not in ("http", "https") or not host or parts.username is not None:
        return False
    if _is_loopback(host):
        return True
    configured = urlsplit(configured_service_url)
    return parts.scheme == "https" == configured.scheme and host == configured.hostname


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
