"""Each signal's own key pair, and the wraps of its private key for those who may read it.

* to each eligible adviser: HPKE Base mode to the adviser's X25519 public key, ``info``
  binding the signal id, the adviser id and the signal's public key;
* to the reporter: AES-256-GCM under the receipt key (:mod:`bot.seal.index`), associated
  data binding the signal id and the signal's public key.

A wrap moved to another signal or another adviser's row does not open (:class:`CryptoError`),
and an opened key is checked against the signal's public key before it is used. Whoever
holds the signal key (an adviser who opened it) can add a wrap for a new adviser, which is
how a signal moves on when its adviser recuses. Choosing *which* advisers are eligible (the
reporter's exclusions) is routing's job; this module wraps to exactly those it is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from bot.errors import CryptoError
from bot.seal.context import bind
from bot.seal.envelope import (
    load_private_key,
    load_public_key,
    open_with_key,
    open_with_private_key,
    private_key_bytes,
    public_key_bytes,
    seal_to_public_key,
    seal_with_key,
)


@dataclass(frozen=True, slots=True)
class AdviserRecipient:
    """An adviser the signal is wrapped to: their id and raw X25519 public key."""

    adviser_id: str
    public_key: bytes


@dataclass(frozen=True, slots=True)
class AdviserWrap:
    """The signal key sealed to one adviser; stored as one row per (signal, adviser)."""

    adviser_id: str
    sealed: bytes


@dataclass(frozen=True, slots=True)
class SignalKeyWraps:
    """Everything to store for a new signal's key: its public key and every wrap."""

    signal_id: str
    public_key: bytes
    adviser_wraps: tuple[AdviserWrap, ...]
    receipt_wrap: bytes


def new_signal_key() -> X25519PrivateKey:
    """A fresh key pair for one signal; its public half is ``public_key_bytes(key)``."""
    return X25519PrivateKey.generate()


def seal_signal_key(
    signal_id: str,
    signal_key: X25519PrivateKey,
    advisers: Iterable[AdviserRecipient],
    receipt_key: bytes,
) -> SignalKeyWraps:
    """Wrap ``signal_key`` to every adviser in ``advisers`` and to the reporter's receipt key."""
    recipients = tuple(advisers)
    if len({adviser.adviser_id for adviser in recipients}) != len(recipients):
        raise ValueError("each adviser is wrapped to once")
    public = public_key_bytes(signal_key)
    return SignalKeyWraps(
        signal_id=signal_id,
        public_key=public,
        adviser_wraps=tuple(wrap_for_adviser(signal_id, signal_key, a) for a in recipients),
        receipt_wrap=wrap_for_receipt(signal_id, signal_key, receipt_key),
    )


def wrap_for_receipt(signal_id: str, signal_key: X25519PrivateKey, receipt_key: bytes) -> bytes:
    """The reporter's wrap; also how a signal moves to a new receipt key (rotation, rescheme)."""
    context = _receipt_context(signal_id, public_key_bytes(signal_key))
    return seal_with_key(private_key_bytes(signal_key), receipt_key, context)


def wrap_for_adviser(
    signal_id: str, signal_key: X25519PrivateKey, adviser: AdviserRecipient
) -> AdviserWrap:
    """One adviser's wrap; also how a signal is added to a new adviser after a recusal."""
    info = _adviser_context(signal_id, adviser.adviser_id, public_key_bytes(signal_key))
    sealed = seal_to_public_key(
        private_key_bytes(signal_key), load_public_key(adviser.public_key), info
    )
    return AdviserWrap(adviser.adviser_id, sealed)


def open_signal_key_as_adviser(
    signal_id: str,
    signal_public_key: bytes,
    adviser_id: str,
    adviser_key: X25519PrivateKey,
    sealed: bytes,
) -> X25519PrivateKey:
    """The signal key from an adviser's wrap; a swapped wrap raises :class:`CryptoError`."""
    info = _adviser_context(signal_id, adviser_id, signal_public_key)
    raw = open_with_private_key(sealed, adviser_key, info)
    return _checked(raw, signal_public_key)


def open_signal_key_with_receipt(
    signal_id: str, signal_public_key: bytes, receipt_key: bytes, sealed: bytes
) -> X25519PrivateKey:
    """The signal key from the reporter's wrap; a wrong receipt raises :class:`CryptoError`."""
    raw = open_with_key(sealed, receipt_key, _receipt_context(signal_id, signal_public_key))
    return _checked(raw, signal_public_key)


def _adviser_context(signal_id: str, adviser_id: str, signal_public_key: bytes) -> bytes:
    return bind("signal-key/adviser", signal_id, adviser_id, signal_public_key.hex())


def _receipt_context(signal_id: str, signal_public_key: bytes) -> bytes:
    return bind("signal-key/receipt", signal_id, signal_public_key.hex())


def _checked(raw: bytes, signal_public_key: bytes) -> X25519PrivateKey:
    key = load_private_key(raw)
    if public_key_bytes(key) != signal_public_key:
        raise CryptoError("opened key does not belong to this signal")
    return key
