"""Pad plaintext to a size bucket so a ciphertext's length tells only the bucket.

Layout: a 4-byte big-endian length, the plaintext, then zero bytes up to the bucket.
Buckets grow roughly fourfold up to 16 KiB, then in steps of 16 KiB, so a one-line
message and a two-paragraph one look the same, and long ones leak at most a coarse size
(the padding idea of RFC 8467 §4, applied to messages instead of DNS responses).
"""

from __future__ import annotations

from bot.errors import CryptoError, TooLong

SMALL_BUCKETS = (256, 1024, 4096, 16384)
LARGE_STEP = 16384
MAX_PADDED = 1024 * 1024  # far above any chat message; refuses runaway input
_PREFIX = 4


def bucket_size(plaintext_length: int) -> int:
    """The padded size for a plaintext of ``plaintext_length`` bytes."""
    needed = plaintext_length + _PREFIX
    for bucket in SMALL_BUCKETS:
        if needed <= bucket:
            return bucket
    return -(-needed // LARGE_STEP) * LARGE_STEP


def pad(plaintext: bytes) -> bytes:
    size = bucket_size(len(plaintext))
    if size > MAX_PADDED:
        raise TooLong("message too large to seal")
    prefix = len(plaintext).to_bytes(_PREFIX, "big")
    return prefix + plaintext + bytes(size - _PREFIX - len(plaintext))


def unpad(padded: bytes) -> bytes:
    """Undo :func:`pad`; a bad length or non-zero padding raises :class:`CryptoError`."""
    if len(padded) < _PREFIX:
        raise CryptoError("padded message too short")
    length = int.from_bytes(padded[:_PREFIX], "big")
    end = _PREFIX + length
    if end > len(padded) or any(padded[end:]):
        raise CryptoError("padded message is malformed")
    return padded[_PREFIX:end]
