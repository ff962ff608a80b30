"""What goes inside the seal: the intake fields and thread messages, as JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date

from bot.errors import CryptoError


@dataclass(frozen=True, slots=True)
class SignalContent:
    """The reporter's own words and choices; only readers of the seal ever see them.

    ``exclude``, ``outside_unit`` and the wishes about the adviser are sealed too, so that
    nobody without the key learns what the reporter asked for about who reads it.
    """

    what: str
    mode: str = "anonymous"  # or "named": a confidential conversation request
    when: str = ""
    unit: str = ""
    kinds: tuple[str, ...] = ()
    role: str = ""
    hope: str = ""
    contact: str = ""
    lang: str = "nl"
    exclude: tuple[str, ...] = ()
    outside_unit: bool = False
    adviser_language: str = ""
    adviser_attributes: tuple[str, ...] = ()  # asked for "if possible", e.g. a woman adviser

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> SignalContent:
        data = _json_object(raw)

        def text(key: str) -> str:
            value = data.get(key, "")
            return value if isinstance(value, str) else ""

        def texts(key: str) -> tuple[str, ...]:
            value = data.get(key, [])
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        return cls(
            what=text("what"),
            mode=text("mode") or "anonymous",
            when=text("when"),
            unit=text("unit"),
            kinds=texts("kinds"),
            role=text("role"),
            hope=text("hope"),
            contact=text("contact"),
            lang=text("lang") or "nl",
            exclude=texts("exclude"),
            outside_unit=data.get("outside_unit") is True,
            adviser_language=text("adviser_language"),
            adviser_attributes=texts("adviser_attributes"),
        )


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    """One message after the signal itself; ``kind`` is ``reply``, ``question`` or ``addition``."""

    text: str
    kind: str = "addition"
    by: str = ""  # the adviser's name, sealed like the text

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> ThreadMessage:
        data = _json_object(raw)
        return cls(
            text=str(data.get("text", "")),
            kind=str(data.get("kind", "")),
            by=str(data.get("by", "")),
        )


@dataclass(frozen=True, slots=True)
class ThreadEntry:
    """A message as a reader sees it after opening the seal."""

    sequence: int
    author: str
    on: date
    message: ThreadMessage


@dataclass(frozen=True, slots=True)
class SignalView:
    """An opened signal: content, thread and the dates that matter."""

    id: str
    status: str
    created_on: date
    content: SignalContent
    thread: tuple[ThreadEntry, ...] = field(default=())
    waiting: bool = False  # no adviser can take it up now (missing, disabled or away)


def _json_object(raw: bytes) -> Mapping[str, object]:
    try:
        data = json.loads(raw.decode())
    except (UnicodeDecodeError, ValueError):
        raise CryptoError("sealed content is not readable") from None
    if not isinstance(data, dict):
        raise CryptoError("sealed content is not readable")
    return data
