"""Conversation tokens: made by the server, recognised by it later without keeping a list.

A token is 16 random bytes from the CSPRNG and an 8-byte tag over them (HMAC-SHA256 with a
key derived from the server secret, truncated), in base64url: 32 characters. Every
replica with the same secret recognises the tokens any of them issued, and a token the
server never issued is refused before it reaches the core. Without the tag a stranger
could open conversations by inventing well-formed tokens, one per turn, around the bucket
that bounds new conversations.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets

NONCE_BYTES = 16  # 128 random bits: not guessable, so a token is not found by trying
TAG_BYTES = 8  # forging one means guessing 64 bits per try, each answered by a 404
_KEY_LABEL = b"meldwijzer webchat conversation token v1"
# (16 + 8) bytes encode as exactly 32 base64url characters, without padding.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")


def is_well_formed(token: str) -> bool:
    """True if ``token`` has the shape of a token we issue (checked before anything else)."""
    return _TOKEN_SHAPE.fullmatch(token) is not None


class ConversationTokens:
    """Issues tokens and recognises its own; the browser keeps them, we never log them."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def from_secret(cls, secret: bytes) -> ConversationTokens:
        """The tokens of every replica that shares ``secret`` (a key of its own, derived)."""
        return cls(hmac.new(secret, _KEY_LABEL, hashlib.sha256).digest())

    @classmethod
    def for_this_process(cls) -> ConversationTokens:
        """A random key: right for one process and for tests, not for several replicas."""
        return cls(secrets.token_bytes(32))

    def issue(self) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return base64.urlsafe_b64encode(nonce + self._tag(nonce)).decode("ascii")

    def recognises(self, token: str) -> bool:
        if not is_well_formed(token):
            return False
        try:
            raw = base64.urlsafe_b64decode(token)
        except (binascii.Error, ValueError):
            return False
        nonce, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
        return hmac.compare_digest(tag, self._tag(nonce))

    def _tag(self, nonce: bytes) -> bytes:
        return hmac.new(self._key, nonce, hashlib.sha256).digest()[:TAG_BYTES]
