"""The keyed receipt index: find a signal by its receipt fast, then pay Argon2id once.

* ``lookup_key(receipt)`` = HMAC-SHA256(K_index, normalised receipt): the indexed column of
  the signal row. It costs a microsecond, so a wrong receipt costs the server almost
  nothing. That is safe because a receipt has 100 random bits (:mod:`bot.seal.receipt`):
  no rate of guessing reaches 2^100, and without the server secret a copied database gives
  nothing to test a guess against (HMAC as a PRF, RFC 2104).
* ``receipt_key`` = HKDF-SHA256(Argon2id(receipt, salt, params), salt=K_wrap, info=…signal
  id) (RFC 5869 §2): the AEAD key of the reporter's wrap of the signal key. It is computed
  only once the row is found, so the salt is random per signal and the Argon2id cost
  (``params``) is read from the row: raising the settings never orphans an old receipt.
  Argon2id keeps a guess expensive for whoever holds both the database and the secret.

K_index and K_wrap are derived from the server secret with distinct labels, so the secret is
never used for two purposes. During a rotation the previous secret is kept as a second
*generation*: look-ups try both, and a signal found with the previous one is moved to the
current one (see :mod:`bot.signals.followup`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.errors import ConfigError
from bot.seal.context import bind
from bot.seal.kdf import KdfParams, derive_argon2id
from bot.seal.legacy_index import LegacyReceiptIndex
from bot.seal.receipt import normalise_receipt

MIN_SERVER_SECRET_BYTES = 32
RECEIPT_SALT_BYTES = 16  # RFC 9106 §3.1
CURRENT = 0  # the generation of the current secret; 1 is the previous one


def _subkey(server_secret: bytes, label: str) -> bytes:
    return hmac.new(server_secret, bind(label), hashlib.sha256).digest()


def secret_fingerprint(server_secret: bytes) -> str:
    """A keyed fingerprint that tells secrets apart without revealing them (safe to store)."""
    return _subkey(server_secret, "server-secret/fingerprint").hex()


class ReceiptIndex:
    """Lookup keys and receipt keys under the current (and optionally the previous) secret."""

    __slots__ = ("_fingerprints", "_index_keys", "_legacy", "_params", "_wrap_salts")

    def __init__(
        self, server_secret: bytes, params: KdfParams, previous_secret: bytes | None = None
    ) -> None:
        generations = [server_secret] + ([previous_secret] if previous_secret else [])
        if any(len(secret) < MIN_SERVER_SECRET_BYTES for secret in generations):
            raise ConfigError("the server secret must be at least 32 bytes")
        self._params = params
        self._index_keys = tuple(_subkey(s, "receipt-index/fast-lookup") for s in generations)
        self._wrap_salts = tuple(_subkey(s, "receipt-index/wrap-v2") for s in generations)
        self._legacy = tuple(LegacyReceiptIndex(s, params) for s in generations)
        self._fingerprints = tuple(secret_fingerprint(s) for s in generations)

    def __repr__(self) -> str:
        return f"ReceiptIndex(params={self._params!r}, generations={len(self._index_keys)})"

    @property
    def params(self) -> KdfParams:
        """The Argon2id cost new signals are sealed with."""
        return self._params

    @property
    def fingerprints(self) -> tuple[str, ...]:
        """The current secret's fingerprint, then the previous one's (if any)."""
        return self._fingerprints

    def lookup_keys(self, receipt: str) -> tuple[bytes, ...]:
        """The 32-byte index value under each generation, current first (fast)."""
        canonical = normalise_receipt(receipt).encode("ascii")
        return tuple(hmac.new(key, canonical, hashlib.sha256).digest() for key in self._index_keys)

    def lookup_key(self, receipt: str) -> bytes:
        """The index value a new signal is stored under."""
        return self.lookup_keys(receipt)[CURRENT]

    @staticmethod
    def new_salt() -> bytes:
        return secrets.token_bytes(RECEIPT_SALT_BYTES)

    @staticmethod
    def stretch(receipt: str, salt: bytes, params: KdfParams) -> bytes:
        """The one Argon2id run for a receipt (slow: run it in the KDF pool)."""
        canonical = normalise_receipt(receipt).encode("ascii")
        return derive_argon2id(canonical, salt=salt, params=params)

    def receipt_key(self, stretched: bytes, signal_id: str, generation: int = CURRENT) -> bytes:
        """The AEAD key of the reporter's wrap, from a stretched receipt (fast)."""
        hkdf = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=self._wrap_salts[generation],
            info=bind("receipt-key/v2", signal_id),
        )
        return hkdf.derive(stretched)

    def legacy(self) -> tuple[LegacyReceiptIndex, ...]:
        """The schema-0003 index under each generation, current first."""
        return self._legacy
