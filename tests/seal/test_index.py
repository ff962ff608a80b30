from __future__ import annotations

import pytest

from bot.errors import ConfigError, MalformedReceipt
from bot.seal.index import ReceiptIndex
from bot.seal.kdf import TESTING
from bot.seal.receipt import new_receipt


def test_lookup_key_is_stable_for_every_way_of_typing_the_receipt(index: ReceiptIndex) -> None:
    receipt = new_receipt()
    typed = receipt.display().lower().replace("-", " ")
    assert index.lookup_key(receipt.normalised) == index.lookup_key(typed)
    assert len(index.lookup_key(receipt.normalised)) == 32


def test_one_stretch_serves_both_keys(index: ReceiptIndex) -> None:
    receipt = new_receipt().normalised
    stretched = index.stretch(receipt)
    assert stretched.lookup_key() == index.lookup_key(receipt)
    assert stretched.receipt_key("s1") == index.receipt_key(receipt, "s1")
    assert stretched.receipt_key("s1") != stretched.receipt_key("s2")
    assert stretched.receipt_key("s1") != stretched.lookup_key()


def test_different_receipts_give_different_keys(index: ReceiptIndex) -> None:
    one, two = new_receipt().normalised, new_receipt().normalised
    assert index.lookup_key(one) != index.lookup_key(two)
    assert index.receipt_key(one, "s") != index.receipt_key(two, "s")


def test_keys_depend_on_the_server_secret(index: ReceiptIndex) -> None:
    """A copied database without the server secret gives nothing to test a guess against."""
    receipt = new_receipt().normalised
    elsewhere = ReceiptIndex(bytes(32), TESTING)
    assert index.lookup_key(receipt) != elsewhere.lookup_key(receipt)
    assert index.receipt_key(receipt, "s") != elsewhere.receipt_key(receipt, "s")


def test_secrets_stay_out_of_repr(index: ReceiptIndex, server_secret: bytes) -> None:
    receipt = new_receipt().normalised
    stretched = index.stretch(receipt)
    for text in (repr(index), repr(stretched)):
        assert server_secret.hex() not in text and receipt not in text
        assert stretched.lookup_key().hex() not in text


def test_short_server_secret_is_refused() -> None:
    with pytest.raises(ConfigError):
        ReceiptIndex(b"too short", TESTING)


def test_malformed_receipt_is_refused(index: ReceiptIndex) -> None:
    with pytest.raises(MalformedReceipt):
        index.lookup_key("not a receipt")
