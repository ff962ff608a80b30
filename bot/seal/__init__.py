"""Sealed anonymous signals: the cryptographic core (pure; no database, no I/O).

Scheme. Every signal has its own X25519 key pair. Its content (message 0) and every later
message are padded to a size bucket and sealed with HPKE Base mode (RFC 9180; X25519,
HKDF-SHA256, AES-256-GCM) to the signal's public key; ``info`` binds signal id, sequence
number and author role, and an HMAC under a key derived from the signal's private key
proves the writer could open the signal. The signal's private key is wrapped (HPKE) to each
eligible adviser, binding signal id and adviser id, and (AES-256-GCM) to a receipt key.
The receipt (100 random bits, never stored) is found through a fast keyed index (HMAC
under a server-secret subkey); only then is it stretched with Argon2id (the signal's own
salt and stored parameters, in a bounded pool) into the receipt key (HKDF, bound to the
signal id). Advisers' private keys are wrapped under Argon2id(passphrase) and optionally to
an offline organisation recovery key.

With a copy of the database alone an attacker sees ids, dates, sequence numbers, author
roles, size buckets and which advisers hold which signal; reads nothing; cannot test
receipt guesses (that needs the server secret); and can guess adviser passphrases only
offline at one Argon2id run per guess per adviser (so passphrases must be strong).
With write access too they can delete rows, but cannot move, reorder or forge messages
in a thread unnoticed. They can plant new signals (as any anonymous reporter can) and
swap an adviser's public key so that *new* signals are wrapped to them; that adviser's
next unlock then fails, as the wrap binds the public key. Pin adviser key fingerprints
in the config file if that threat matters.
"""

from __future__ import annotations

from bot.seal.envelope import load_public_key, public_key_bytes
from bot.seal.index import ReceiptIndex, secret_fingerprint
from bot.seal.kdf import PRODUCTION, TESTING, KdfParams, meets_owasp_minimum
from bot.seal.kdf_pool import KdfPool
from bot.seal.keyring import AdviserKeyring, recovery_key_id
from bot.seal.padding import bucket_size
from bot.seal.receipt import ENTROPY_BITS, Receipt, format_receipt, new_receipt, normalise_receipt
from bot.seal.signal_keys import (
    AdviserRecipient,
    AdviserWrap,
    SignalKeyWraps,
    new_signal_key,
    open_signal_key_as_adviser,
    open_signal_key_with_receipt,
    seal_signal_key,
    wrap_for_adviser,
    wrap_for_receipt,
)
from bot.seal.thread import CONTENT_SEQUENCE, Author, open_message, seal_message

__all__ = [
    "CONTENT_SEQUENCE",
    "ENTROPY_BITS",
    "PRODUCTION",
    "TESTING",
    "AdviserKeyring",
    "AdviserRecipient",
    "AdviserWrap",
    "Author",
    "KdfParams",
    "KdfPool",
    "Receipt",
    "ReceiptIndex",
    "SignalKeyWraps",
    "bucket_size",
    "format_receipt",
    "load_public_key",
    "meets_owasp_minimum",
    "new_receipt",
    "new_signal_key",
    "normalise_receipt",
    "open_message",
    "open_signal_key_as_adviser",
    "open_signal_key_with_receipt",
    "public_key_bytes",
    "recovery_key_id",
    "seal_message",
    "seal_signal_key",
    "secret_fingerprint",
    "wrap_for_adviser",
    "wrap_for_receipt",
]
