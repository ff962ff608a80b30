"""Conversation tokens: made by the server, recognised by it later without keeping a list.

A token is 16 random bytes from the CSPRNG, the minute it was issued (4 bytes, masked), and
a 10-byte tag over both (HMAC-SHA256 with a key derived from the server secret, truncated),
in base64url: 40 characters. Every replica with the same secret recognises the tokens any
of them issued, and a token the server never issued is refused before it reaches the core.
Without the tag a stranger could open conversations by inventing well-formed tokens, one
per turn, around the bucket that bounds new conversations.

The issue time is there so that a token harvested once cannot stand in for new
conversations forever: once its conversation could have expired it is *lapsed* (a turn
with it costs what starting costs), and past a day it is *unknown* (404, the page starts
afresh). The minute is masked with a keyed stream over the nonce, so the token stays opaque:
only the server reads it, and nothing stores it (the conversation key is an HMAC of the
whole token, bot/state.py). Tokens of the earlier format (32 characters, no time) are
unknown.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable

NONCE_BYTES = 16  # 128 random bits: not guessable, so a token is not found by trying
MINUTE_BYTES = 4  # minutes since 1970 fit in 4 bytes for the next 8,000 years
TAG_BYTES = 10  # forging one means guessing 80 bits per try, each answered by a 404
# A token is never good for longer than this (or the conversation lifetime, if longer).
MAX_AGE_MINUTES = 24 * 60
# Replicas' clocks may differ a little; a token further ahead than this is not ours.
CLOCK_SKEW_MINUTES = 5
_KEY_LABEL = b"meldwijzer webchat conversation token v2"
_MASK_LABEL = b"issued minute mask\x00"
_TAG_LABEL = b"token tag\x00"
# (16 + 4 + 10) bytes encode as exactly 40 base64url characters, without padding.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{40}")


def is_well_formed(token: str) -> bool:
    """True if ``token`` has the shape of a token we issue (checked before anything else)."""
    return _TOKEN_SHAPE.fullmatch(token) is not None


class Standing(enum.Enum):
    """What a token presented with a turn is good for."""

    CURRENT = "current"  # issued within the conversation lifetime
    LAPSED = "lapsed"  # older: a turn with it draws from the new-conversation bucket
    UNKNOWN = "unknown"  # not ours, of the earlier format, or too old: 404


class ConversationTokens:
    """Issues tokens and recognises its own; the browser keeps them, we never log them."""

    __slots__ = ("_clock", "_key", "_max_age", "_ttl")

    def __init__(
        self,
        key: bytes,
        *,
        ttl_minutes: int = 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = key
        self._ttl = ttl_minutes
        self._max_age = max(MAX_AGE_MINUTES, ttl_minutes)
        # Wall-clock time: tokens outlive a restart and pass between replicas.
        self._clock = clock

    @classmethod
    def from_secret(
        cls, secret: bytes, *, ttl_minutes: int = 60, clock: Callable[[], float] = time.time
    ) -> ConversationTokens:
        """The tokens of every replica that shares ``secret`` (a key of its own, derived)."""
        key = hmac.new(secret, _KEY_LABEL, hashlib.sha256).digest()
        return cls(key, ttl_minutes=ttl_minutes, clock=clock)

    @classmethod
    def for_this_process(cls) -> ConversationTokens:
        """A random key: right for one process and for tests, not for several replicas."""
        return cls(secrets.token_bytes(32))

    def issue(self) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        minute = self._minute().to_bytes(MINUTE_BYTES, "big")
        masked = bytes(a ^ b for a, b in zip(minute, self._mask(nonce), strict=True))
        return base64.urlsafe_b64encode(nonce + masked + self._tag(nonce + masked)).decode()

    def standing(self, token: str) -> Standing:
        issued = self._issued_minute(token)
        if issued is None:
            return Standing.UNKNOWN
        age = self._minute() - issued
        if age < -CLOCK_SKEW_MINUTES or age > self._max_age:
            return Standing.UNKNOWN
        return Standing.LAPSED if age > self._ttl else Standing.CURRENT

    def recognises(self, token: str) -> bool:
        return self.standing(token) is not Standing.UNKNOWN

    def _issued_minute(self, token: str) -> int | None:
        if not is_well_formed(token):
            return None
        try:
            raw = base64.urlsafe_b64decode(token)
        except (binascii.Error, ValueError):
            return None
        signed, tag = raw[: NONCE_BYTES + MINUTE_BYTES], raw[NONCE_BYTES + MINUTE_BYTES :]
        if not hmac.compare_digest(tag, self._tag(signed)):
            return None
        nonce, masked = signed[:NONCE_BYTES], signed[NONCE_BYTES:]
        minute = bytes(a ^ b for a, b in zip(masked, self._mask(nonce), strict=True))
        return int.from_bytes(minute, "big")

    def _minute(self) -> int:
        return int(self._clock() // 60)

    def _mask(self, nonce: bytes) -> bytes:
        return hmac.new(self._key, _MASK_LABEL + nonce, hashlib.sha256).digest()[:MINUTE_BYTES]

    def _tag(self, signed: bytes) -> bytes:
        return hmac.new(self._key, _TAG_LABEL + signed, hashlib.sha256).digest()[:TAG_BYTES]
