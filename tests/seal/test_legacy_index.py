"""The schema-0003 index still finds and opens what it sealed (only old rows use it)."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError, MalformedReceipt
from bot.seal.kdf import TESTING
from bot.seal.legacy_index import LegacyReceiptIndex
from bot.seal.receipt import new_receipt


def test_lookup_key_is_stable_for_every_way_of_typing_the_receipt(
    legacy: LegacyReceiptIndex,
) -> None:
    receipt = new_receipt()
    typed = receipt.display().lower().replace("-", " ")
    assert legacy.lookup_key(receipt.normalised) == legacy.lookup_key(typed)
    assert len(legacy.lookup_key(receipt.normalised)) == 32


def test_one_stretch_serves_both_keys(legacy: LegacyReceiptIndex) -> None:
    receipt = new_receipt().normalised
    stretched = legacy.stretch(receipt)
    assert stretched.lookup_key() == legacy.lookup_key(receipt)
    assert stretched.receipt_key("s1") == legacy.receipt_key(receipt, "s1")
    assert stretched.receipt_key("s1") != stretched.receipt_key("s2")
    assert stretched.receipt_key("s1") != stretched.lookup_key()


def test_different_receipts_give_different_keys(legacy: LegacyReceiptIndex) -> None:
    one, two = new_receipt().normalised, new_receipt().normalised
    assert legacy.lookup_key(one) != legacy.lookup_key(two)
    assert legacy.receipt_key(one, "s") != legacy.receipt_key(two, "s")


def test_keys_depend_on_the_server_secret(legacy: LegacyReceiptIndex) -> None:
    """A copied database without the server secret gives nothing to test a guess against."""
    receipt = new_receipt().normalised
    elsewhere = LegacyReceiptIndex(bytes(32), TESTING)
    assert legacy.lookup_key(receipt) != elsewhere.lookup_key(receipt)
    assert legacy.receipt_key(receipt, "s") != elsewhere.receipt_key(receipt, "s")


def test_secrets_stay_out_of_repr(legacy: LegacyReceiptIndex, server_secret: bytes) -> None:
    receipt = new_receipt().normalised
    stretched = legacy.stretch(receipt)
    for text in (repr(legacy), repr(stretched)):
        assert server_secret.hex() not in text and receipt not in text
        assert stretched.lookup_key().hex() not in text


def test_short_server_secret_is_refused() -> None:
    with pytest.raises(ConfigError):
        LegacyReceiptIndex(b"too short", TESTING)


def test_malformed_receipt_is_refused(legacy: LegacyReceiptIndex) -> None:
    with pytest.raises(MalformedReceipt):
        legacy.lookup_key("not a receipt")


@pytest.fixture
def legacy(server_secret: bytes) -> LegacyReceiptIndex:
    return LegacyReceiptIndex(server_secret, TESTING)
