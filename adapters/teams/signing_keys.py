"""One fetch of the Bot Framework's signing keys: OpenID configuration, then its JWKS, with aiohttp.

The documents are the ones "Authentication with the Bot Connector API" describes ("Connector
to Bot", steps 2 and 3: the OpenID metadata document names ``jwks_uri``; each key there is a
JWK with an extra ``endorsements`` list). Each key is turned into a public key once, here,
with the same PyJWT call the SDK makes per request (``RSAAlgorithm.from_jwk`` in
``botframework/connector/auth/jwt_token_extractor.py``, ``_OpenIdMetadata._find``); the
SDK's own validation then checks signatures with it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from jwt.algorithms import RSAAlgorithm
from jwt.exceptions import InvalidKeyError

log = logging.getLogger(__name__)

# The two documents are a few kilobytes; anything far larger is not them.
MAX_DOCUMENT_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """What the SDK reads of a signing key: ``public_key`` and ``endorsements``.

    The names are those of the SDK's ``_OpenIdConfig`` (jwt_token_extractor.py), which
    ``JwtTokenExtractor._validate_token`` reads by attribute.
    """

    public_key: Any
    endorsements: tuple[str, ...]


class _Refused(Exception):
    """One fetch failed; the reason is logged, never raised past this module."""


async def fetch_signing_keys(
    session: aiohttp.ClientSession, metadata_url: str
) -> dict[str, VerificationKey] | None:
    """The keys by key id, or None (logged) when either document cannot be had."""
    try:
        metadata = await _document(session, metadata_url)
        jwks_uri = metadata.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
            raise _Refused("the OpenID metadata names no jwks_uri")
        keys = _keys(await _document(session, jwks_uri))
    except _Refused as refused:
        log.warning("teams signing keys not refreshed: %s", refused)
        return None
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        log.warning("teams signing keys not refreshed: %s", type(exc).__name__)
        return None
    return keys


async def _document(session: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    async with session.get(url, allow_redirects=False) as response:
        if response.status != 200:
            raise _Refused(f"HTTP {response.status}")
        body = bytearray()
        async for chunk in response.content.iter_chunked(64 * 1024):
            body += chunk
            if len(body) > MAX_DOCUMENT_BYTES:
                raise _Refused("document too large")
    document = json.loads(body)
    if not isinstance(document, dict):
        raise _Refused("not a JSON object")
    return document


def _keys(jwks: dict[str, Any]) -> dict[str, VerificationKey]:
    listed = jwks.get("keys")
    keys: dict[str, VerificationKey] = {}
    for jwk in listed if isinstance(listed, list) else ():
        key = _key(jwk)
        if key is not None:
            keys[jwk["kid"]] = key
    if not keys:
        raise _Refused("no usable signing key")
    return keys


def _key(jwk: object) -> VerificationKey | None:
    if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
        return None
    try:
        public_key = RSAAlgorithm.from_jwk(json.dumps(jwk))
    except (InvalidKeyError, ValueError, TypeError, KeyError):
        return None
    endorsements = jwk.get("endorsements")
    listed = endorsements if isinstance(endorsements, list) else []
    return VerificationKey(public_key, tuple(item for item in listed if isinstance(item, str)))
