"""Signed, expiring tokens for button contexts and dialog states.

Mattermost does not sign the requests it sends to an integration: the action callback echoes
``integration.context`` as we wrote it, and the dialog submission echoes ``state``
("Interactive messages" and "Interactive dialogs", developers.mattermost.com/integrate/
plugins/). Anyone who can reach our callback URL could post such a body, so the context
carries a token that only we can make, bound to what the button does, the conversation and
the person it was shown to::

    base64url(JSON grant) "." base64url(HMAC-SHA256(key, first part))

The key is derived from the server secret with HKDF-SHA256 (RFC 5869), so it is good for
nothing else. The grant is signed, not encrypted: the Mattermost database keeps it with the
post, as Teams keeps a card's action data. It holds nothing Mattermost does not already know
(its own user and channel ids, our action names, a form's labels) — except a form's
prefilled values (what a person wrote in a form that was not sent), which are sealed inside
it with AES-256-GCM under a second key derived the same way: the database of the chat server
keeps only ciphertext, and only the bot can open it to fill the dialog again.

Every check runs on bounded input before any JSON is parsed: the size, the shape, then the
tag (compared in constant time); only a token we signed is ever decoded.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.errors import CallbackRefused

KINDS = ("action", "form", "hide")
KEY_INFO = b"meldwijzer mattermost callbacks"
VALUES_KEY_INFO = b"meldwijzer mattermost form values"
VALUES = "v"  # the key of a form spec's prefilled values (forms.form_spec)
_GCM_NONCE_BYTES = 12
# A form button carries its dialog's fields (the signal intake has a dozen, with their
# choices): a few kilobytes. Anything much larger is not ours and is refused unread.
MAX_TOKEN_CHARS = 48_000
# 32 bytes of HMAC-SHA256 are 43 base64url characters without padding.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}")


@dataclass(frozen=True, slots=True)
class Grant:
    """What one button or dialog may do, for whom, until when (``expires``: Unix seconds).

    ``form`` is the compact dialog spec a "form" button opens (``forms.form_spec``).
    """

    kind: str
    value: str
    conversation: str
    user: str
    nonce: str
    expires: int
    form: dict[str, Any] | None = None


class CallbackSigner:
    """Signs grants and checks tokens; every replica with the same secret accepts the others'."""

    def __init__(
        self,
        secret: bytes,
        ttl_seconds: int = 12 * 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = HKDF(hashes.SHA256(), 32, salt=None, info=KEY_INFO).derive(secret)
        self._values = AESGCM(
            HKDF(hashes.SHA256(), 32, salt=None, info=VALUES_KEY_INFO).derive(secret)
        )
        self._ttl = ttl_seconds
        self._clock = clock

    def grant(
        self,
        kind: str,
        value: str,
        *,
        conversation: str,
        user: str,
        nonce: str,
        form: Mapping[str, Any] | None = None,
    ) -> Grant:
        """A grant that expires ``ttl_seconds`` from now."""
        expires = int(self._clock()) + self._ttl
        spec = dict(form) if form is not None else None
        return Grant(kind, value, conversation, user, nonce, expires, spec)

    def sign(self, grant: Grant) -> str:
        if grant.kind not in KINDS:
            raise ValueError(f"unknown grant kind {grant.kind!r}")
        fields: dict[str, Any] = {
            "k": grant.kind,
            "v": grant.value,
            "c": grant.conversation,
            "u": grant.user,
            "n": grant.nonce,
            "e": grant.expires,
        }
        if grant.form is not None:
            fields["f"] = self._sealed(grant.form)
        payload = _encode(json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode())
        token = f"{payload}.{_encode(self._tag(payload))}"
        if len(token) > MAX_TOKEN_CHARS:
            raise ValueError("grant too large to sign")
        return token

    def verify(
        self,
        token: object,
        *,
        kind: str | tuple[str, ...],
        conversation: str,
        user: str,
    ) -> Grant:
        """The grant in ``token`` if it is ours, unexpired and for this kind, channel and user."""
        payload, tag = _split(token)
        if not hmac.compare_digest(self._tag(payload), tag):
            raise CallbackRefused("forged")
        grant = self._opened(_grant(payload))
        kinds = (kind,) if isinstance(kind, str) else kind
        if grant.kind not in kinds:
            raise CallbackRefused("wrong_kind")
        if not hmac.compare_digest(grant.user.encode(), user.encode()):
            raise CallbackRefused("wrong_user")
        if not hmac.compare_digest(grant.conversation.encode(), conversation.encode()):
            raise CallbackRefused("wrong_channel")
        if self._clock() >= grant.expires:
            raise CallbackRefused("expired")
        return grant

    def _sealed(self, form: Mapping[str, Any]) -> dict[str, Any]:
        values = form.get(VALUES)
        if values is None:
            return dict(form)
        plain = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
        nonce = secrets.token_bytes(_GCM_NONCE_BYTES)
        return {**form, VALUES: _encode(nonce + self._values.encrypt(nonce, plain, None))}

    def _opened(self, grant: Grant) -> Grant:
        """The grant with its form's values unsealed; a seal that does not open is refused."""
        sealed = grant.form.get(VALUES) if grant.form is not None else None
        if grant.form is None or sealed is None:
            return grant
        raw = _decode(sealed) if isinstance(sealed, str) else None
        try:
            if raw is None or len(raw) <= _GCM_NONCE_BYTES:
                raise ValueError("no seal")
            nonce, body = raw[:_GCM_NONCE_BYTES], raw[_GCM_NONCE_BYTES:]
            values = json.loads(self._values.decrypt(nonce, body, None))
        except (InvalidTag, ValueError):
            raise CallbackRefused("malformed") from None
        if not isinstance(values, dict):
            raise CallbackRefused("malformed")
        return replace(grant, form={**grant.form, VALUES: values})

    def _tag(self, payload: str) -> bytes:
        return hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest()


def _split(token: object) -> tuple[str, bytes]:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        raise CallbackRefused("malformed")
    if not _TOKEN_SHAPE.fullmatch(token):
        raise CallbackRefused("malformed")
    payload, encoded_tag = token.split(".")
    tag = _decode(encoded_tag)
    # The decoder ignores the unused low bits of the last character; only the one canonical
    # spelling of a tag is accepted, so no two strings are the same token.
    if tag is None or len(tag) != hashlib.sha256().digest_size or _encode(tag) != encoded_tag:
        raise CallbackRefused("malformed")
    return payload, tag


def _grant(payload: str) -> Grant:
    """The grant of a token whose tag is ours (so a shape error is our own old format)."""
    raw = _decode(payload)
    try:
        fields = json.loads(raw) if raw is not None else None
    except ValueError:
        fields = None
    if not isinstance(fields, dict):
        raise CallbackRefused("malformed")
    texts = [fields.get(key) for key in ("k", "v", "c", "u", "n")]
    expires, form = fields.get("e"), fields.get("f")
    if not all(isinstance(text, str) for text in texts):
        raise CallbackRefused("malformed")
    if not isinstance(expires, int) or isinstance(expires, bool):
        raise CallbackRefused("malformed")
    if form is not None and not isinstance(form, dict):
        raise CallbackRefused("malformed")
    kind, value, conversation, user, nonce = (str(text) for text in texts)
    return Grant(kind, value, conversation, user, nonce, expires, form)


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
