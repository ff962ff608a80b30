from __future__ import annotations

import secrets

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from bot.errors import CryptoError
from bot.seal.envelope import public_key_bytes
from bot.seal.signal_keys import (
    AdviserRecipient,
    SignalKeyWraps,
    new_signal_key,
    open_signal_key_as_adviser,
    open_signal_key_with_receipt,
    seal_signal_key,
    wrap_for_adviser,
)
from tests.seal.tampering import flipped

ADVISERS = {name: X25519PrivateKey.generate() for name in ("anna", "bram", "cem")}


def recipients(*names: str) -> list[AdviserRecipient]:
    return [AdviserRecipient(name, public_key_bytes(ADVISERS[name])) for name in names]


def sealed_signal(signal_id: str, receipt_key: bytes) -> tuple[X25519PrivateKey, SignalKeyWraps]:
    key = new_signal_key()
    return key, seal_signal_key(signal_id, key, recipients("anna", "bram"), receipt_key)


def same_key(one: X25519PrivateKey, two: X25519PrivateKey) -> bool:
    return public_key_bytes(one) == public_key_bytes(two)


def test_each_adviser_and_the_receipt_open_the_signal_key() -> None:
    receipt_key = secrets.token_bytes(32)
    key, wraps = sealed_signal("s1", receipt_key)
    assert wraps.public_key == public_key_bytes(key)
    assert [w.adviser_id for w in wraps.adviser_wraps] == ["anna", "bram"]
    for wrap in wraps.adviser_wraps:
        opened = open_signal_key_as_adviser(
            "s1", wraps.public_key, wrap.adviser_id, ADVISERS[wrap.adviser_id], wrap.sealed
        )
        assert same_key(opened, key)
    opened = open_signal_key_with_receipt("s1", wraps.public_key, receipt_key, wraps.receipt_wrap)
    assert same_key(opened, key)


def test_excluded_adviser_cannot_open() -> None:
    _, wraps = sealed_signal("s1", secrets.token_bytes(32))
    for wrap in wraps.adviser_wraps:
        with pytest.raises(CryptoError):
            open_signal_key_as_adviser("s1", wraps.public_key, "cem", ADVISERS["cem"], wrap.sealed)


def test_wrap_swapped_between_advisers_fails() -> None:
    _, wraps = sealed_signal("s1", secrets.token_bytes(32))
    anna_wrap = wraps.adviser_wraps[0].sealed
    with pytest.raises(CryptoError):  # anna's wrap filed under bram's row
        open_signal_key_as_adviser("s1", wraps.public_key, "bram", ADVISERS["bram"], anna_wrap)
    with pytest.raises(CryptoError):  # right key, but the row claims another adviser id
        open_signal_key_as_adviser("s1", wraps.public_key, "bram", ADVISERS["anna"], anna_wrap)


def test_wrap_swapped_between_signals_fails() -> None:
    receipt_key = secrets.token_bytes(32)
    _, first = sealed_signal("s1", receipt_key)
    _, second = sealed_signal("s2", receipt_key)
    with pytest.raises(CryptoError):
        open_signal_key_as_adviser(
            "s2", second.public_key, "anna", ADVISERS["anna"], first.adviser_wraps[0].sealed
        )
    with pytest.raises(CryptoError):
        open_signal_key_as_adviser(
            "s1", second.public_key, "anna", ADVISERS["anna"], first.adviser_wraps[0].sealed
        )
    with pytest.raises(CryptoError):
        open_signal_key_with_receipt("s2", second.public_key, receipt_key, first.receipt_wrap)


def test_wrong_receipt_key_cannot_open() -> None:
    _, wraps = sealed_signal("s1", secrets.token_bytes(32))
    with pytest.raises(CryptoError):
        open_signal_key_with_receipt(
            "s1", wraps.public_key, secrets.token_bytes(32), wraps.receipt_wrap
        )


def test_every_flipped_byte_of_a_wrap_fails() -> None:
    receipt_key = secrets.token_bytes(32)
    _, wraps = sealed_signal("s1", receipt_key)
    adviser_wrap = wraps.adviser_wraps[0].sealed
    for at in range(len(adviser_wrap)):
        with pytest.raises(CryptoError):
            open_signal_key_as_adviser(
                "s1", wraps.public_key, "anna", ADVISERS["anna"], flipped(adviser_wrap, at)
            )
    for at in range(len(wraps.receipt_wrap)):
        with pytest.raises(CryptoError):
            open_signal_key_with_receipt(
                "s1", wraps.public_key, receipt_key, flipped(wraps.receipt_wrap, at)
            )


def test_recusal_adds_a_wrap_for_a_new_adviser() -> None:
    _, wraps = sealed_signal("s1", secrets.token_bytes(32))
    held = open_signal_key_as_adviser(
        "s1", wraps.public_key, "anna", ADVISERS["anna"], wraps.adviser_wraps[0].sealed
    )
    added = wrap_for_adviser("s1", held, recipients("cem")[0])
    opened = open_signal_key_as_adviser(
        "s1", wraps.public_key, "cem", ADVISERS["cem"], added.sealed
    )
    assert same_key(opened, held)


def test_duplicate_adviser_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="once"):
        seal_signal_key("s1", new_signal_key(), recipients("anna", "anna"), bytes(32))


def test_no_advisers_still_gives_a_receipt_wrap() -> None:
    receipt_key = secrets.token_bytes(32)
    key = new_signal_key()
    wraps = seal_signal_key("s1", key, [], receipt_key)
    assert wraps.adviser_wraps == ()
    assert same_key(
        open_signal_key_with_receipt("s1", wraps.public_key, receipt_key, wraps.receipt_wrap), key
    )
