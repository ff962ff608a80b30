"""Sealing a signal's content and every later message in its thread.

Each message is padded to a size bucket (:mod:`bot.seal.padding`) and sealed with HPKE
Base mode to the signal's public key, with ``info`` binding the signal id, the message's
sequence number and its author's role. Opening it under any other signal, position or
role fails, so a message cannot be moved to another signal, reordered, or passed off as
the other side's. The signal's content is message ``0``, written by the reporter.

HPKE Base mode does not authenticate the sender (RFC 9180 §5.1.1): anyone holding the
public key, which sits in the database, could seal a message that opens. So each sealed
message also carries an HMAC-SHA256 tag under a *thread key* derived (HKDF, RFC 5869)
from the signal's private key. Only those who can open the signal key (its advisers and
the reporter with the receipt) can write messages that verify; someone who can only write
to the database cannot slip a fake adviser reply into a reporter's thread.
Layout: ``hpke(enc || ciphertext) || tag``.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.errors import CryptoError
from bot.seal.context import bind
from bot.seal.envelope import open_with_private_key, private_key_bytes, seal_to_public_key
from bot.seal.padding import pad, unpad

TAG_BYTES = 32
CONTENT_SEQUENCE = 0


class Author(StrEnum):
    """Who wrote a message; bound into it so roles cannot be swapped."""

    REPORTER = "reporter"
    ADVISER = "adviser"


def seal_message(
    signal_key: X25519PrivateKey,
    plaintext: bytes,
    *,
    signal_id: str,
    sequence: int,
    author: Author,
) -> bytes:
    """Seal ``plaintext`` as message ``sequence`` of ``signal_id``, written by ``author``."""
    info = _message_info(signal_id, sequence, author)
    body = seal_to_public_key(pad(plaintext), signal_key.public_key(), info)
    return body + _tag(signal_key, signal_id, info, body)


def open_message(
    signal_key: X25519PrivateKey,
    sealed: bytes,
    *,
    signal_id: str,
    sequence: int,
    author: Author,
) -> bytes:
    """Open message ``sequence`` of ``signal_id``; any mismatch raises :class:`CryptoError`."""
    info = _message_info(signal_id, sequence, author)
    body, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    if len(sealed) <= TAG_BYTES or not hmac.compare_digest(
        tag, _tag(signal_key, signal_id, info, body)
    ):
        raise CryptoError("message was not sealed for this place in this signal")
    return unpad(open_with_private_key(body, signal_key, info))


def _message_info(signal_id: str, sequence: int, author: Author) -> bytes:
    if sequence < 0:
        raise ValueError("sequence numbers start at 0")
    return bind("thread-message", signal_id, sequence, Author(author).value)


def _tag(signal_key: X25519PrivateKey, signal_id: str, info: bytes, body: bytes) -> bytes:
    thread_key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=bind("thread-authentication", signal_id),
    ).derive(private_key_bytes(signal_key))
    return hmac.new(thread_key, info + body, hashlib.sha256).digest()
