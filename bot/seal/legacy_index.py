"""The receipt index of schema 0003 and before, kept only to open signals sealed with it.

Then, one Argon2id run over the normalised receipt, with a salt fixed per deployment,
yielded a *stretched receipt*; from it came the lookup key (HMAC under K_lookup) stored in
``signals.legacy_lookup_key`` and the receipt key (HKDF, bound to the signal id). A wrong
receipt therefore cost a full Argon2id run before the server could say "not found", which
is why :mod:`bot.seal.index` replaced it. Rows still marked with this scheme are found
through it, and moved to the new scheme on their first successful open; nothing new is
ever sealed with it. The labels below must never change.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.errors import ConfigError
from bot.seal.context import bind
from bot.seal.kdf import KdfParams, derive_argon2id
from bot.seal.receipt import normalise_receipt

MIN_SERVER_SECRET_BYTES = 32


def _subkey(server_secret: bytes, label: str) -> bytes:
    return hmac.new(server_secret, bind(label), hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class LegacyStretch:
    """The result of one Argon2id run over a receipt; both keys come from it."""

    _stretched: bytes = field(repr=False)
    _lookup_secret: bytes = field(repr=False)
    _wrap_salt: bytes = field(repr=False)

    def lookup_key(self) -> bytes:
        """The 32-byte value stored in the signal row's indexed column."""
        return hmac.new(self._lookup_secret, self._stretched, hashlib.sha256).digest()

    def receipt_key(self, signal_id: str) -> bytes:
        """The 32-byte AEAD key of the reporter's wrap of this signal's private key."""
        hkdf = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=self._wrap_salt,
            info=bind("receipt-key", signal_id),
        )
        return hkdf.derive(self._stretched)


class LegacyReceiptIndex:
    """The old way from a receipt to its lookup key and receipt key (one Argon2id run)."""

    __slots__ = ("_lookup_secret", "_params", "_salt", "_wrap_salt")

    def __init__(self, server_secret: bytes, params: KdfParams) -> None:
        if len(server_secret) < MIN_SERVER_SECRET_BYTES:
            raise ConfigError("the server secret must be at least 32 bytes")
        self._params = params
        self._salt = _subkey(server_secret, "receipt-index/argon2id-salt")[:16]
        self._lookup_secret = _subkey(server_secret, "receipt-index/lookup")
        self._wrap_salt = _subkey(server_secret, "receipt-index/wrap")

    def __repr__(self) -> str:
        return f"LegacyReceiptIndex(params={self._params!r})"

    def stretch(self, normalised_receipt: str) -> LegacyStretch:
        """Run Argon2id once; use the result for both the lookup and the receipt key.

        The receipt is normalised again (it is idempotent and cheap): a caller that forgot
        would otherwise get a different key and a silent "not found".
        """
        canonical = normalise_receipt(normalised_receipt)
        stretched = derive_argon2id(canonical.encode("ascii"), salt=self._salt, params=self._params)
        return LegacyStretch(stretched, self._lookup_secret, self._wrap_salt)

    def lookup_key(self, normalised_receipt: str) -> bytes:
        """Shortcut for ``stretch(receipt).lookup_key()`` (one Argon2id run)."""
        return self.stretch(normalised_receipt).lookup_key()

    def receipt_key(self, normalised_receipt: str, signal_id: str) -> bytes:
        """Shortcut for ``stretch(receipt).receipt_key(signal_id)`` (one Argon2id run)."""
        return self.stretch(normalised_receipt).receipt_key(signal_id)
