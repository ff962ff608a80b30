from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import CryptoError, TooLong
from bot.seal.padding import MAX_PADDED, bucket_size, pad, unpad


@pytest.mark.parametrize(
    ("length", "bucket"),
    [
        (0, 256),
        (252, 256),
        (253, 1024),
        (1020, 1024),
        (1021, 4096),
        (16380, 16384),
        (16381, 32768),
        (40000, 49152),
    ],
)
def test_buckets(length: int, bucket: int) -> None:
    assert bucket_size(length) == bucket
    assert len(pad(bytes(length))) == bucket


@given(st.binary(max_size=40000))
def test_round_trip(plaintext: bytes) -> None:
    assert unpad(pad(plaintext)) == plaintext


def test_too_large_is_refused() -> None:
    with pytest.raises(TooLong):
        pad(bytes(MAX_PADDED))


@pytest.mark.parametrize("bad", [b"", b"\x00\x00", b"\x00\x00\x01\x00abc", b"\x00\x00\x00\x01ab"])
def test_malformed_padding_is_a_crypto_error(bad: bytes) -> None:
    with pytest.raises(CryptoError):
        unpad(bad)
