"""What the outbox keeps of a failed send: a short code, never what the channel said.

An error from a channel may quote the recipient's address ("550 5.1.1 <name@example.org>
unknown") or a server's banner. ``last_error`` is shown to admins and may be copied into
tickets, so it keeps only tokens that cannot carry an address or words: the channel's name,
a three-digit status (HTTP, SMTP) and a platform's CamelCase error name
(``MessageWritesBlocked``), a channel's own code when its error is nothing but
``"<channel> <code>"`` with the code one lowercase token (``email smtp_550``, ``email
tls_failed``: what ``adapters.email`` raises; a token with no ``@`` or dot holds no address),
or the exception's class name when no channel answered.
"""

from __future__ import annotations

import re

from bot.errors import DeliveryError
from bot.outbox.store import Failure

# Not glued to a letter, digit, dot, colon or at sign, so no part of an address, host or
# port is taken for a status or a name.
_ALONE_BEFORE = r"(?<![\w.:@/-])"
_ALONE_AFTER = r"(?![\w.@/-])"
STATUS = re.compile(_ALONE_BEFORE + r"[1-5]\d\d" + _ALONE_AFTER)
ERROR_NAME = re.compile(_ALONE_BEFORE + r"[A-Z][a-z]+(?:[A-Z][a-z]+)+" + _ALONE_AFTER)
# A channel's own code: the e-mail channel's "smtp_550" would otherwise be lost, since the
# underscore glues the status to a word (STATUS rightly refuses it then).
OWN_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")
TIMEOUT = "timeout"
NO_ADDRESS = "no_address"
NO_CHANNEL = "no_channel"


def failure_of(channel: str, error: BaseException) -> Failure:
    """The code to keep for ``error`` raised while sending through ``channel``."""
    if isinstance(error, DeliveryError):
        text = str(error)
        named, _, code = text.partition(" ")
        if named == channel and OWN_CODE.fullmatch(code):
            return Failure(f"{channel} {code}", error.retryable)
        found = [
            match.group(0) for match in (STATUS.search(text), ERROR_NAME.search(text)) if match
        ]
        detail = " ".join(found) or ("failed" if error.retryable else "refused")
        return Failure(f"{channel} {detail}", error.retryable)
    if isinstance(error, TimeoutError):
        return Failure(f"{channel} {TIMEOUT}", retryable=True)
    # Our own bug or a library's: try again later; the class name says where to look.
    return Failure(f"{channel} {type(error).__name__}", retryable=True)
