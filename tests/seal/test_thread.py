from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import CryptoError
from bot.seal.envelope import seal_to_public_key
from bot.seal.padding import pad
from bot.seal.thread import Author, open_message, seal_message
from tests.seal.tampering import flipped

SIGNAL = "signal-1"


@pytest.fixture(scope="module")
def key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def sealed(
    key: X25519PrivateKey,
    text: bytes,
    sequence: int = 0,
    author: Author = Author.REPORTER,
    signal_id: str = SIGNAL,
) -> bytes:
    return seal_message(key, text, signal_id=signal_id, sequence=sequence, author=author)


@settings(max_examples=30)
@given(st.binary(max_size=20000), st.integers(0, 10_000), st.sampled_from(Author))
def test_round_trip(key: X25519PrivateKey, text: bytes, sequence: int, author: Author) -> None:
    message = sealed(key, text, sequence, author)
    assert open_message(key, message, signal_id=SIGNAL, sequence=sequence, author=author) == text


def test_every_flipped_byte_fails(key: X25519PrivateKey) -> None:
    message = sealed(key, "Mijn leidinggevende zei …".encode())
    for at in range(len(message)):
        with pytest.raises(CryptoError):
            open_message(
                key, flipped(message, at), signal_id=SIGNAL, sequence=0, author=Author.REPORTER
            )


@pytest.mark.parametrize(
    ("signal_id", "sequence", "author"),
    [("signal-2", 0, Author.REPORTER), (SIGNAL, 1, Author.REPORTER), (SIGNAL, 0, Author.ADVISER)],
)
def test_moved_reordered_or_recast_message_fails(
    key: X25519PrivateKey, signal_id: str, sequence: int, author: Author
) -> None:
    message = sealed(key, b"first")
    with pytest.raises(CryptoError):
        open_message(key, message, signal_id=signal_id, sequence=sequence, author=author)


def test_swapping_two_messages_fails(key: X25519PrivateKey) -> None:
    first, second = sealed(key, b"one", 1, Author.ADVISER), sealed(key, b"two", 2, Author.ADVISER)
    for message, place in ((second, 1), (first, 2)):
        with pytest.raises(CryptoError):
            open_message(key, message, signal_id=SIGNAL, sequence=place, author=Author.ADVISER)


def test_message_of_another_signal_fails(key: X25519PrivateKey) -> None:
    other = X25519PrivateKey.generate()
    with pytest.raises(CryptoError):
        open_message(other, sealed(key, b"x"), signal_id=SIGNAL, sequence=0, author=Author.REPORTER)


def test_writer_without_the_private_key_cannot_forge(key: X25519PrivateKey) -> None:
    """Someone with only database access has the public key; HPKE alone would let them in."""
    info_blind = seal_to_public_key(pad(b"case closed"), key.public_key(), b"")
    for forged in (info_blind + bytes(32), sealed(X25519PrivateKey.generate(), b"case closed")):
        with pytest.raises(CryptoError):
            open_message(key, forged, signal_id=SIGNAL, sequence=3, author=Author.ADVISER)


def test_same_bucket_same_length_and_sizes_hidden(key: X25519PrivateKey) -> None:
    short, longer = sealed(key, b"ja"), sealed(key, b"x" * 250)
    assert len(short) == len(longer)
    assert len(sealed(key, b"x" * 300)) == len(sealed(key, b"y" * 1000))
    assert len(sealed(key, b"x" * 300)) > len(short)


def test_fresh_ciphertext_each_time(key: X25519PrivateKey) -> None:
    assert sealed(key, b"same") != sealed(key, b"same")


def test_truncated_message_fails(key: X25519PrivateKey) -> None:
    for cut in (b"", b"x" * 32, sealed(key, b"x")[:-1]):
        with pytest.raises(CryptoError):
            open_message(key, cut, signal_id=SIGNAL, sequence=0, author=Author.REPORTER)
