"""Unambiguous context strings that bind ids into HPKE ``info`` and AEAD associated data.

Every sealed thing names what it belongs to (purpose, signal id, adviser id, sequence,
author). The fields are length-prefixed so ``("ab", "c")`` and ``("a", "bc")`` can never
encode to the same bytes, and a versioned domain tag keeps these bytes apart from any
other protocol that might one day use the same keys (RFC 9180 §8.1 leaves ``info``
to the application for exactly this kind of binding).
"""

from __future__ import annotations

DOMAIN = b"meldwijzer/seal/v1"


def _length_prefixed(part: bytes) -> bytes:
    return len(part).to_bytes(4, "big") + part


def bind(purpose: str, *fields: str | int) -> bytes:
    """Encode ``purpose`` and ``fields`` into bytes that differ whenever any field differs."""
    parts = [DOMAIN, purpose.encode(), *(str(field).encode() for field in fields)]
    return b"".join(_length_prefixed(part) for part in parts)
