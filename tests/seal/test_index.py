"""The fast keyed index: a look-up is one HMAC; Argon2id only for the row that was found."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pytest

from bot.errors import ConfigError, MalformedReceipt
from bot.seal.context import bind
from bot.seal.index import ReceiptIndex, secret_fingerprint
from bot.seal.kdf import PRODUCTION, TESTING, KdfParams
from bot.seal.receipt import new_receipt

OTHER = KdfParams(memory_kib=128, iterations=2)


def test_lookup_key_is_stable_for_every_way_of_typing_the_receipt(index: ReceiptIndex) -> None:
    receipt = new_receipt()
    typed = receipt.display().lower().replace("-", " ")
    assert index.lookup_key(receipt.normalised) == index.lookup_key(typed)
    assert len(index.lookup_key(receipt.normalised)) == 32


def test_the_lookup_key_is_one_hmac_with_no_kdf_in_it(server_secret: bytes) -> None:
    """Whatever the Argon2id cost, the look-up is the same HMAC: a wrong code costs nothing."""
    receipt = new_receipt().normalised
    cheap, dear = ReceiptIndex(server_secret, TESTING), ReceiptIndex(server_secret, PRODUCTION)
    subkey = hmac.new(server_secret, bind("receipt-index/fast-lookup"), hashlib.sha256).digest()
    expected = hmac.new(subkey, receipt.encode(), hashlib.sha256).digest()
    assert cheap.lookup_key(receipt) == dear.lookup_key(receipt) == expected


def test_the_receipt_key_depends_on_salt_params_signal_and_secret(index: ReceiptIndex) -> None:
    receipt = new_receipt().normalised
    salt = index.new_salt()
    stretched = index.stretch(receipt, salt, TESTING)
    key = index.receipt_key(stretched, "s1")
    assert len(salt) == 16 and salt != index.new_salt()
    assert index.receipt_key(index.stretch(receipt, salt, TESTING), "s1") == key
    assert index.receipt_key(index.stretch(receipt, index.new_salt(), TESTING), "s1") != key
    assert index.receipt_key(index.stretch(receipt, salt, OTHER), "s1") != key
    assert index.receipt_key(stretched, "s2") != key
    elsewhere = ReceiptIndex(secrets.token_bytes(32), TESTING)
    assert elsewhere.receipt_key(stretched, "s1") != key
    assert key != index.lookup_key(receipt)


def test_a_previous_secret_is_a_second_generation(server_secret: bytes) -> None:
    old = secrets.token_bytes(32)
    rotating = ReceiptIndex(server_secret, TESTING, previous_secret=old)
    before, after = ReceiptIndex(old, TESTING), ReceiptIndex(server_secret, TESTING)
    receipt = new_receipt().normalised
    assert rotating.lookup_keys(receipt) == (after.lookup_key(receipt), before.lookup_key(receipt))
    stretched = rotating.stretch(receipt, rotating.new_salt(), TESTING)
    assert rotating.receipt_key(stretched, "s", 1) == before.receipt_key(stretched, "s")
    assert rotating.receipt_key(stretched, "s") == after.receipt_key(stretched, "s")
    assert rotating.fingerprints == (secret_fingerprint(server_secret), secret_fingerprint(old))
    assert len(after.lookup_keys(receipt)) == 1


def test_fingerprints_tell_secrets_apart_and_hide_them(server_secret: bytes) -> None:
    fingerprint = secret_fingerprint(server_secret)
    assert fingerprint == secret_fingerprint(server_secret)
    assert fingerprint != secret_fingerprint(secrets.token_bytes(32))
    assert server_secret.hex() not in fingerprint


def test_secrets_stay_out_of_repr(index: ReceiptIndex, server_secret: bytes) -> None:
    receipt = new_receipt().normalised
    text = repr(index)
    assert server_secret.hex() not in text and receipt not in text
    assert index.lookup_key(receipt).hex() not in text


@pytest.mark.parametrize("previous", [None, b"short"])
def test_short_server_secrets_are_refused(previous: bytes | None) -> None:
    with pytest.raises(ConfigError):
        ReceiptIndex(b"too short" if previous is None else bytes(32), TESTING, previous)


def test_malformed_receipt_is_refused(index: ReceiptIndex) -> None:
    with pytest.raises(MalformedReceipt):
        index.lookup_key("not a receipt")
    with pytest.raises(MalformedReceipt):
        index.stretch("not a receipt", index.new_salt(), TESTING)
