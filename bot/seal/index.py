"""The keyed receipt index: find a signal by its receipt without storing the receipt.

One Argon2id run over the normalised receipt yields a *stretched receipt*. From it:

* ``lookup_key`` = HMAC-SHA256(K_lookup, stretched): the indexed column of the signal row;
* ``receipt_key(signal_id)`` = HKDF-SHA256(stretched, salt=K_wrap, info=… signal id)
  (RFC 5869 §2): the AEAD key of the reporter's wrap of the signal key.

K_lookup, K_wrap and the Argon2id salt are derived from the server secret with distinct
labels (HMAC as a PRF, RFC 2104), so the server secret is never used for two purposes.

Why a copied database alone cannot test guesses: every stored value that could confirm a
guessed receipt (the lookup key, the receipt wrap) also depends on the server secret,
which lives in the deployment's settings, not in the database. Without it, a guess gives
nothing to compare. With it, each guess still costs one Argon2id run, and the search space
is 2^100. The salt is fixed per deployment, not per row, because a lookup must compute
the key before it knows which row it is looking for.
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
class StretchedReceipt:
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


class ReceiptIndex:
    """Turns normalised receipts into lookup keys and receipt keys for one deployment."""

    __slots__ = ("_lookup_secret", "_params", "_salt", "_wrap_salt")

    def __init__(self, server_secret: bytes, params: KdfParams) -> None:
        if len(server_secret) < MIN_SERVER_SECRET_BYTES:
            raise ConfigError("the server secret must be at least 32 bytes")
        self._params = params
        self._salt = _subkey(server_secret, "receipt-index/argon2id-salt")[:16]
        self._lookup_secret = _subkey(server_secret, "receipt-index/lookup")
        self._wrap_salt = _subkey(server_secret, "receipt-index/wrap")

    def __repr__(self) -> str:
        return f"ReceiptIndex(params={self._params!r})"

    def stretch(self, normalised_receipt: str) -> StretchedReceipt:
        """Run Argon2id once; use the result for both the lookup and the receipt key.

        The receipt is normalised again (it is idempotent and cheap): a caller that forgot
        would otherwise get a different key and a silent "not found".
        """
        canonical = normalise_receipt(normalised_receipt)
        stretched = derive_argon2id(canonical.encode("ascii"), salt=self._salt, params=self._params)
        return StretchedReceipt(stretched, self._lookup_secret, self._wrap_salt)

    def lookup_key(self, normalised_receipt: str) -> bytes:
        """Shortcut for ``stretch(receipt).lookup_key()`` (one Argon2id run)."""
        return self.stretch(normalised_receipt).lookup_key()

    def receipt_key(self, normalised_receipt: str, signal_id: str) -> bytes:
        """Shortcut for ``stretch(receipt).receipt_key(signal_id)`` (one Argon2id run)."""
        return self.stretch(normalised_receipt).receipt_key(signal_id)
