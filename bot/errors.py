"""The one exception tree of Meldwijzer.

    MeldwijzerError
    ├── ConfigError            broken settings or config file; the process refuses to start
    ├── StorageError           the database or data folder cannot be used
    ├── KnowledgeError         a content or overlay file is broken
    ├── InputError             bad input from outside; carries a code for the user's message
    │   ├── TooLong
    │   ├── RateLimited
    │   ├── MalformedReceipt   not a receipt at all (length, symbol or check character)
    │   ├── SessionExpired     an adviser's unlocked session ended (or never began)
    │   ├── NotYours           no such signal for this adviser (unknown, or not sealed to them)
    │   └── CallbackRefused    a chat platform's button or dialog callback we cannot honour
    ├── NoAdviserAvailable     nobody may read this signal; nothing was stored
    ├── ServerBusy             a bounded resource is full (KDF pool, submission bucket); retry
    ├── CryptoError            sealing or opening failed (tampered data, wrong key)
    │   ├── WrongPassphrase
    │   └── ReceiptNotFound    one generic answer; never says whether a signal exists
    └── DeliveryError          a channel could not deliver a message (retried by the outbox)

Third-party errors are translated at the edge: ``raise StorageError(...) from exc``.
"""

from __future__ import annotations


class MeldwijzerError(Exception):
    """Base of every error Meldwijzer raises on purpose."""


class ConfigError(MeldwijzerError):
    """Settings or the config file are broken; the message says which one and why."""


class StorageError(MeldwijzerError):
    """The database or the data folder cannot be used."""


class KnowledgeError(MeldwijzerError):
    """A content file or overlay file is broken; the message names the file."""


class InputError(MeldwijzerError):
    """Bad input from outside. ``code`` picks the message shown to the person."""

    code = "bad_input"

    def __init__(self, detail: str = "", *, code: str | None = None) -> None:
        super().__init__(detail or self.code)
        if code is not None:
            self.code = code


class TooLong(InputError):
    code = "too_long"


class RateLimited(InputError):
    code = "rate_limited"


class MalformedReceipt(InputError):
    """Text that cannot be a receipt: wrong length, a foreign symbol or a failed check.

    Told apart from :class:`ReceiptNotFound` because it is a typo the person can fix
    without any lookup; it says nothing about whether a signal exists.
    """

    code = "malformed_receipt"


class SessionExpired(InputError):
    code = "session_expired"


class NotYours(InputError):
    """No such signal for this adviser: unknown id, or not sealed for them."""

    code = "not_yours"


class CallbackRefused(InputError):
    """A signed callback token that is not good for this request; ``reason`` says why.

    One of ``malformed``, ``forged``, ``expired``, ``wrong_user``, ``wrong_channel``,
    ``wrong_kind``. The token itself is never part of the message.
    """

    code = "callback_refused"
    REASONS = frozenset(
        {"malformed", "forged", "expired", "wrong_user", "wrong_channel", "wrong_kind"}
    )

    def __init__(self, reason: str) -> None:
        if reason not in self.REASONS:
            raise ValueError(f"unknown refusal reason {reason!r}")
        super().__init__(reason)
        self.reason = reason


class NoAdviserAvailable(MeldwijzerError):
    """Nobody is enrolled who may read this signal; nothing was stored."""


class ServerBusy(MeldwijzerError):
    """A bounded resource (the KDF pool, the submission bucket) is full; nothing changed."""


class CryptoError(MeldwijzerError):
    """Sealed data could not be opened or made: tampered, swapped or wrong key."""


class WrongPassphrase(CryptoError):
    """The adviser's passphrase does not unwrap their key."""


class ReceiptNotFound(CryptoError):
    """No signal opens with this receipt; deliberately says nothing more."""


class DeliveryError(MeldwijzerError):
    """A channel could not deliver a message; ``retryable`` tells the outbox what to do."""

    def __init__(self, detail: str, *, retryable: bool = True) -> None:
        super().__init__(detail)
        self.retryable = retryable
