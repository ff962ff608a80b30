"""The two envelopes everything is sealed in, with third-party errors mapped to ours.

* **to a public key**: HPKE Base mode (RFC 9180 §5.1.1) with DHKEM(X25519, HKDF-SHA256),
  HKDF-SHA256 and AES-256-GCM (RFC 9180 §7). The output is ``enc || ciphertext``; the
  ``info`` bytes enter the key schedule (§5.1), so opening with other ``info`` fails.
* **under a symmetric key**: AES-256-GCM with a fresh random 96-bit nonce
  (NIST SP 800-38D §8.2.2), output ``nonce || ciphertext``. Every key used here seals
  only a handful of messages, far below the 2^32 random-nonce limit of §8.3.

X25519 keys travel as their 32 raw bytes (RFC 7748 §5).
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.errors import CryptoError

SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
KEY_BYTES = 32
NONCE_BYTES = 12
# enc (RFC 9180 §7.1: Nenc = 32 for X25519) plus the GCM tag (Nt = 16).
HPKE_OVERHEAD = 32 + 16
AEAD_OVERHEAD = NONCE_BYTES + 16


def seal_to_public_key(plaintext: bytes, public_key: X25519PublicKey, info: bytes) -> bytes:
    """HPKE single-shot seal (RFC 9180 §6.1) to ``public_key``, bound to ``info``."""
    return SUITE.encrypt(plaintext, public_key, info=info)


def open_with_private_key(sealed: bytes, private_key: X25519PrivateKey, info: bytes) -> bytes:
    """Open what :func:`seal_to_public_key` made; any mismatch raises :class:`CryptoError`."""
    try:
        return SUITE.decrypt(sealed, private_key, info=info)
    except (InvalidTag, ValueError):
        raise CryptoError("sealed data does not open with this key and context") from None


def seal_with_key(plaintext: bytes, key: bytes, aad: bytes) -> bytes:
    """AES-256-GCM under ``key`` with a random nonce; ``aad`` is bound, not encrypted."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(_checked_key(key)).encrypt(nonce, plaintext, aad)


def open_with_key(sealed: bytes, key: bytes, aad: bytes) -> bytes:
    """Open what :func:`seal_with_key` made; any mismatch raises :class:`CryptoError`."""
    if len(sealed) < AEAD_OVERHEAD:
        raise CryptoError("sealed data is too short")
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    try:
        return AESGCM(_checked_key(key)).decrypt(nonce, body, aad)
    except InvalidTag:
        raise CryptoError("sealed data does not open with this key and context") from None


def _checked_key(key: bytes) -> bytes:
    if len(key) != KEY_BYTES:
        raise CryptoError("a symmetric key must be 32 bytes")
    return key


def public_key_bytes(key: X25519PublicKey | X25519PrivateKey) -> bytes:
    """The 32 raw bytes of a public key (of the pair, when given a private key)."""
    public = key.public_key() if isinstance(key, X25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def private_key_bytes(key: X25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


def load_public_key(raw: bytes) -> X25519PublicKey:
    try:
        return X25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise CryptoError("not an X25519 public key") from None


def load_private_key(raw: bytes) -> X25519PrivateKey:
    try:
        return X25519PrivateKey.from_private_bytes(raw)
    except ValueError:
        raise CryptoError("not an X25519 private key") from None
