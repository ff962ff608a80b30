"""The optional organisation recovery key: an offline key pair that can restore an adviser.

With ``MELDWIJZER_RECOVERY_PUBLIC_KEY`` set, every adviser's private key is also sealed to
it when they set a passphrase. Whoever holds the private half (kept offline, e.g. split
between two officers) can give an adviser who forgot their passphrase a new one without
losing the signals sealed to them. Without it, a forgotten passphrase means those signals
can only be read by the other eligible advisers. Both are legitimate choices; the
organisation makes it and documents it (see docs/security.md).
"""

from __future__ import annotations

import base64
import binascii

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from bot.errors import ConfigError, CryptoError
from bot.seal.envelope import load_private_key, load_public_key, private_key_bytes, public_key_bytes


def encode_key(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode(text: str) -> bytes:
    cleaned = "".join(text.split())
    try:
        return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        raise CryptoError("not a base64url key") from None


def new_recovery_pair() -> tuple[str, str]:
    """(public, private) as base64url text: the public half goes into the settings."""
    private = X25519PrivateKey.generate()
    return encode_key(public_key_bytes(private)), encode_key(private_key_bytes(private))


def recovery_public_key(text: str | None) -> X25519PublicKey | None:
    if not text:
        return None
    try:
        return load_public_key(_decode(text))
    except CryptoError:
        raise ConfigError("MELDWIJZER_RECOVERY_PUBLIC_KEY is not an X25519 public key") from None


def recovery_private_key(text: str) -> X25519PrivateKey:
    return load_private_key(_decode(text))
