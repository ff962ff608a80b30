from __future__ import annotations

import json
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from bot.errors import CryptoError, InputError, WrongPassphrase
from bot.seal.envelope import public_key_bytes
from bot.seal.kdf import TESTING, KdfParams
from bot.seal.keyring import AdviserKeyring, recovery_key_id
from tests.seal.tampering import flipped

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="module")
def recovery() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


@pytest.fixture(scope="module")
def keyring(recovery: X25519PrivateKey) -> AdviserKeyring:
    return AdviserKeyring.create("adviser-1", PASSPHRASE, TESTING, recovery.public_key())


def test_unlock_gives_the_key_pair(keyring: AdviserKeyring) -> None:
    assert public_key_bytes(keyring.unlock(PASSPHRASE)) == keyring.public_key


def test_wrong_passphrase(keyring: AdviserKeyring) -> None:
    for wrong in ("Correct horse battery staple", PASSPHRASE + " ", "x"):
        with pytest.raises(WrongPassphrase):
            keyring.unlock(wrong)


def test_unicode_passphrase_in_any_normal_form() -> None:
    composed, decomposed = "geheim-\u00e9\u00e9n", "geheim-e\u0301e\u0301n"
    keyring = AdviserKeyring.create("a", composed, TESTING)
    assert public_key_bytes(keyring.unlock(decomposed)) == keyring.public_key


def test_empty_passphrase_is_refused() -> None:
    with pytest.raises(InputError):
        AdviserKeyring.create("a", "", TESTING)


def test_tampered_wrap_does_not_unlock(keyring: AdviserKeyring) -> None:
    for at in range(len(keyring.wrapped_private_key)):
        damaged = replace(keyring, wrapped_private_key=flipped(keyring.wrapped_private_key, at))
        with pytest.raises(WrongPassphrase):
            damaged.unlock(PASSPHRASE)


def test_tampered_salt_or_params_do_not_unlock(keyring: AdviserKeyring) -> None:
    for damaged in (
        replace(keyring, salt=flipped(keyring.salt, 0)),
        replace(keyring, params=KdfParams(TESTING.memory_kib + 8, TESTING.iterations)),
    ):
        with pytest.raises(WrongPassphrase):
            damaged.unlock(PASSPHRASE)


def test_wrap_copied_to_another_adviser_does_not_open(keyring: AdviserKeyring) -> None:
    other = AdviserKeyring.create("adviser-2", PASSPHRASE, TESTING)
    swapped = AdviserKeyring(
        "adviser-2", keyring.public_key, keyring.salt, keyring.params, keyring.wrapped_private_key
    )
    with pytest.raises(WrongPassphrase):
        swapped.unlock(PASSPHRASE)
    foreign_wrap = AdviserKeyring(
        "adviser-1", keyring.public_key, other.salt, other.params, other.wrapped_private_key
    )
    with pytest.raises(WrongPassphrase):
        foreign_wrap.unlock(PASSPHRASE)


def test_recovery_key_opens_and_other_key_does_not(
    keyring: AdviserKeyring, recovery: X25519PrivateKey
) -> None:
    assert keyring.recovery_key_id == recovery_key_id(recovery.public_key())
    assert public_key_bytes(keyring.recover(recovery)) == keyring.public_key
    with pytest.raises(CryptoError):
        keyring.recover(X25519PrivateKey.generate())


def test_no_recovery_wrap_unless_asked() -> None:
    keyring = AdviserKeyring.create("a", PASSPHRASE, TESTING)
    assert keyring.recovery_wrap is None
    with pytest.raises(CryptoError):
        keyring.recover(X25519PrivateKey.generate())


def test_forgotten_passphrase_reset_through_recovery(
    keyring: AdviserKeyring, recovery: X25519PrivateKey
) -> None:
    stronger = KdfParams(128, 2)
    reset = keyring.with_passphrase(keyring.recover(recovery), "new passphrase", stronger)
    assert reset.params == stronger and reset.recovery_wrap == keyring.recovery_wrap
    assert public_key_bytes(reset.unlock("new passphrase")) == keyring.public_key
    with pytest.raises(WrongPassphrase):
        reset.unlock(PASSPHRASE)


def test_rewrap_refuses_a_foreign_private_key(keyring: AdviserKeyring) -> None:
    with pytest.raises(CryptoError):
        keyring.with_passphrase(X25519PrivateKey.generate(), "new")


def test_missing_field_is_a_crypto_error(keyring: AdviserKeyring) -> None:
    record = keyring.to_dict()
    del record["adviser_id"]
    with pytest.raises(CryptoError):
        AdviserKeyring.from_dict(record)


def test_serialises_to_json_and_back(keyring: AdviserKeyring) -> None:
    stored = json.loads(json.dumps(keyring.to_dict()))
    assert AdviserKeyring.from_dict(stored) == keyring
    plain = AdviserKeyring.create("b", PASSPHRASE, TESTING)
    assert AdviserKeyring.from_dict(json.loads(json.dumps(plain.to_dict()))) == plain


@pytest.mark.parametrize(
    "change",
    [
        {"version": 2},
        {"salt": 5},
        {"salt": "AAAA"},
        {"kdf": {}},
        {"public_key": "!!"},
        {"wrapped_private_key": "a=b"},
    ],
)
def test_malformed_records_are_crypto_errors(
    keyring: AdviserKeyring, change: dict[str, object]
) -> None:
    record = keyring.to_dict() | change
    with pytest.raises(CryptoError):
        AdviserKeyring.from_dict(record)
