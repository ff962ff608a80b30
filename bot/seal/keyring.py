"""Adviser keys: an X25519 key pair whose private half is wrapped under a passphrase.

The wrap key is Argon2id(passphrase, 16 random bytes of salt, params); the private key is
sealed with AES-256-GCM under it, with associated data binding the adviser id, the
purpose and the public key, so a wrap copied to another adviser's row does not open.
Passphrases are NFC-normalised first (as the OpaqueString profile of RFC 8265 §4.2 does),
so the same passphrase typed on macOS and on Windows unlocks the same key.

Optional recovery (a documented choice of the organisation): one more wrap of the private
key, HPKE-sealed to an organisation recovery public key whose private half is kept
offline. With it a forgotten passphrase loses no signals; without it, it does. Whoever
holds the recovery private key can read every signal of every adviser wrapped to it.

Everything to store is in :class:`AdviserKeyring`; ``to_dict`` gives plain JSON values.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from bot.errors import CryptoError, InputError, WrongPassphrase
from bot.seal.context import bind
from bot.seal.envelope import (
    KEY_BYTES,
    load_private_key,
    open_with_key,
    open_with_private_key,
    private_key_bytes,
    public_key_bytes,
    seal_to_public_key,
    seal_with_key,
)
from bot.seal.kdf import KdfParams, derive_argon2id

SALT_BYTES = 16
FORMAT_VERSION = 1


def recovery_key_id(recovery_public_key: X25519PublicKey) -> str:
    """A short fingerprint naming which offline recovery key a wrap needs."""
    return hashlib.sha256(public_key_bytes(recovery_public_key)).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class AdviserKeyring:
    """One adviser's stored key material; nothing in it is secret without the passphrase."""

    adviser_id: str
    public_key: bytes
    salt: bytes
    params: KdfParams
    wrapped_private_key: bytes
    recovery_wrap: bytes | None = None
    recovery_key_id: str | None = None

    def __post_init__(self) -> None:
        if len(self.public_key) != KEY_BYTES or len(self.salt) < SALT_BYTES:
            raise CryptoError("adviser keyring has a malformed public key or salt")

    @classmethod
    def create(
        cls,
        adviser_id: str,
        passphrase: str,
        params: KdfParams,
        recovery_public_key: X25519PublicKey | None = None,
    ) -> AdviserKeyring:
        """Make a new key pair for ``adviser_id`` and wrap it (one Argon2id run)."""
        private_key = X25519PrivateKey.generate()
        keyring = _wrapped(adviser_id, private_key, passphrase, params)
        if recovery_public_key is None:
            return keyring
        return keyring.with_recovery(private_key, recovery_public_key)

    def unlock(self, passphrase: str) -> X25519PrivateKey:
        """The private key; a wrong passphrase (or a tampered wrap) raises WrongPassphrase."""
        key = derive_argon2id(_passphrase_bytes(passphrase), salt=self.salt, params=self.params)
        try:
            raw = open_with_key(self.wrapped_private_key, key, self._aad("passphrase"))
        except CryptoError:
            raise WrongPassphrase("the passphrase does not unlock this key") from None
        return self._checked(raw)

    def recover(self, recovery_private_key: X25519PrivateKey) -> X25519PrivateKey:
        """The private key through the organisation's offline recovery key."""
        if self.recovery_wrap is None:
            raise CryptoError("this keyring has no recovery wrap")
        info = self._aad("recovery")
        return self._checked(open_with_private_key(self.recovery_wrap, recovery_private_key, info))

    def with_passphrase(
        self, private_key: X25519PrivateKey, passphrase: str, params: KdfParams | None = None
    ) -> AdviserKeyring:
        """A copy wrapped under a new passphrase (after unlock or recovery), recovery kept."""
        fresh = _wrapped(
            self.adviser_id, self._checked_key(private_key), passphrase, params or self.params
        )
        return replace(
            self,
            salt=fresh.salt,
            params=fresh.params,
            wrapped_private_key=fresh.wrapped_private_key,
        )

    def with_recovery(
        self, private_key: X25519PrivateKey, recovery_public_key: X25519PublicKey
    ) -> AdviserKeyring:
        """A copy with a (new) recovery wrap to ``recovery_public_key``."""
        raw = private_key_bytes(self._checked_key(private_key))
        wrap = seal_to_public_key(raw, recovery_public_key, self._aad("recovery"))
        return replace(
            self, recovery_wrap=wrap, recovery_key_id=recovery_key_id(recovery_public_key)
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (bytes as unpadded base64url) for the database layer."""
        return {
            "version": FORMAT_VERSION,
            "adviser_id": self.adviser_id,
            "public_key": _b64(self.public_key),
            "salt": _b64(self.salt),
            "kdf": self.params.to_dict(),
            "wrapped_private_key": _b64(self.wrapped_private_key),
            "recovery_wrap": None if self.recovery_wrap is None else _b64(self.recovery_wrap),
            "recovery_key_id": self.recovery_key_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AdviserKeyring:
        """Read what :meth:`to_dict` wrote; anything malformed raises :class:`CryptoError`."""
        try:
            if data["version"] != FORMAT_VERSION:
                raise CryptoError("unknown adviser keyring version")
            recovery = data.get("recovery_wrap")
            return cls(
                adviser_id=str(data["adviser_id"]),
                public_key=_unb64(data["public_key"]),
                salt=_unb64(data["salt"]),
                params=KdfParams.from_dict(data["kdf"]),
                wrapped_private_key=_unb64(data["wrapped_private_key"]),
                recovery_wrap=None if recovery is None else _unb64(recovery),
                recovery_key_id=_optional_str(data.get("recovery_key_id")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CryptoError("stored adviser keyring is malformed") from exc

    def _aad(self, purpose: str) -> bytes:
        return _context(purpose, self.adviser_id, self.public_key)

    def _checked(self, raw: bytes) -> X25519PrivateKey:
        return self._checked_key(load_private_key(raw))

    def _checked_key(self, private_key: X25519PrivateKey) -> X25519PrivateKey:
        if public_key_bytes(private_key) != self.public_key:
            raise CryptoError("private key does not belong to this keyring")
        return private_key


def _wrapped(
    adviser_id: str, private_key: X25519PrivateKey, passphrase: str, params: KdfParams
) -> AdviserKeyring:
    salt = secrets.token_bytes(SALT_BYTES)
    key = derive_argon2id(_passphrase_bytes(passphrase), salt=salt, params=params)
    public = public_key_bytes(private_key)
    aad = _context("passphrase", adviser_id, public)
    wrapped = seal_with_key(private_key_bytes(private_key), key, aad)
    return AdviserKeyring(adviser_id, public, salt, params, wrapped)


def _context(purpose: str, adviser_id: str, public_key: bytes) -> bytes:
    return bind(f"adviser-key/{purpose}", adviser_id, public_key.hex())


def _passphrase_bytes(passphrase: str) -> bytes:
    if not passphrase:
        raise InputError("an empty passphrase protects nothing", code="empty_passphrase")
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    # validate=True refuses stray characters instead of silently dropping them.
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
