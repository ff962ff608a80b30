"""Conversation tokens: made by the server, checked for shape before anything else."""

from __future__ import annotations

import re
import secrets

# token_urlsafe(24) encodes 24 random bytes as 32 base64url characters (192 bits).
TOKEN_BYTES = 24
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")


def issue_token() -> str:
    """A fresh conversation token from the CSPRNG; the browser keeps it, we never log it."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_well_formed(token: str) -> bool:
    """True if ``token`` has the shape of a token we issue.

    The server keeps no list of issued tokens (replicas are stateless), so shape is
    all we can check; a guessed token of the right shape only reaches an empty
    conversation, because 192 random bits cannot be guessed.
    """
    return _TOKEN_SHAPE.fullmatch(token) is not None
