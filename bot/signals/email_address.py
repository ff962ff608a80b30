"""A notice address an admin types in: checked strictly, without asking DNS.

No e-mail validation library is among our dependencies (pydantic's ``EmailStr`` needs the
separate email-validator package), and an address for notices only has to be one our SMTP
relay accepts: a plain ``local@domain.tld`` in ASCII. Anything odder is refused, so a typo
is caught at the terminal and not by a bounce weeks later.
"""

from __future__ import annotations

import re

from bot.errors import InputError

MAX_LENGTH = 254  # RFC 5321 4.5.3.1.3: a path is at most 256 octets including "<>"
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_LOCAL}@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}")


def checked_email(address: str) -> str:
    """The address as given (trimmed), or :class:`InputError` with code ``bad_email``."""
    address = address.strip()
    local = address.partition("@")[0]
    if len(address) > MAX_LENGTH or len(local) > 64 or not _ADDRESS.fullmatch(address):
        raise InputError("that is not an e-mail address we can send to", code="bad_email")
    return address
