from __future__ import annotations

import secrets

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from bot.errors import CryptoError
from bot.seal.envelope import (
    HPKE_OVERHEAD,
    load_private_key,
    load_public_key,
    open_with_key,
    open_with_private_key,
    seal_to_public_key,
    seal_with_key,
)
from tests.seal.tampering import flipped


def test_hpke_round_trip_and_overhead() -> None:
    key = X25519PrivateKey.generate()
    sealed = seal_to_public_key(b"plain", key.public_key(), b"info")
    assert len(sealed) == len(b"plain") + HPKE_OVERHEAD
    assert open_with_private_key(sealed, key, b"info") == b"plain"


def test_hpke_every_flipped_byte_wrong_info_or_key_fails() -> None:
    key = X25519PrivateKey.generate()
    sealed = seal_to_public_key(b"plain", key.public_key(), b"info")
    for at in range(len(sealed)):
        with pytest.raises(CryptoError):
            open_with_private_key(flipped(sealed, at), key, b"info")
    for info, other in ((b"other", key), (b"info", X25519PrivateKey.generate())):
        with pytest.raises(CryptoError):
            open_with_private_key(sealed, other, info)
    with pytest.raises(CryptoError):
        open_with_private_key(sealed[:10], key, b"info")


def test_aead_every_flipped_byte_wrong_aad_or_key_fails() -> None:
    key = secrets.token_bytes(32)
    sealed = seal_with_key(b"plain", key, b"aad")
    assert open_with_key(sealed, key, b"aad") == b"plain"
    for at in range(len(sealed)):
        with pytest.raises(CryptoError):
            open_with_key(flipped(sealed, at), key, b"aad")
    for aad, other in ((b"other", key), (b"aad", secrets.token_bytes(32))):
        with pytest.raises(CryptoError):
            open_with_key(sealed, other, aad)
    with pytest.raises(CryptoError):
        open_with_key(sealed[:20], key, b"aad")


def test_aead_nonces_are_fresh() -> None:
    key = secrets.token_bytes(32)
    assert seal_with_key(b"x", key, b"") != seal_with_key(b"x", key, b"")


def test_bad_keys_are_crypto_errors() -> None:
    with pytest.raises(CryptoError):
        seal_with_key(b"x", bytes(16), b"")
    with pytest.raises(CryptoError):
        load_public_key(b"short")
    with pytest.raises(CryptoError):
        load_private_key(b"short")
