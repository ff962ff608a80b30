"""The core vocabulary every channel converts to and from.

Adapters turn platform events into :class:`Incoming` and render :class:`Reply`
values; nothing below the adapters knows which platform a message came from
except through ``Incoming.channel``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

LANGUAGES: tuple[str, ...] = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


class Kind(StrEnum):
    """What the person did."""

    START = "start"  # opened the chat / installed the bot
    TEXT = "text"  # typed a message
    ACTION = "action"  # pressed a button
    FORM = "form"  # submitted a form


class Channel(StrEnum):
    WEBCHAT = "webchat"
    CONSOLE = "console"
    TEAMS = "teams"
    MATTERMOST = "mattermost"


_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Incoming:
    """One event from a person, in platform-neutral form.

    ``conversation`` is the platform's conversation id; the core only ever
    stores a keyed hash of it. ``sender`` is the platform's user id (AAD object
    id, Mattermost user id); it is used only to recognise registered advisers
    and is never stored or logged for anyone else. ``locale`` is the platform's
    hint (``nl-NL``, ``en``), used until the person picks a language.
    """

    channel: Channel
    conversation: str
    kind: Kind
    sender: str = ""
    locale: str | None = None
    text: str = ""
    action: str = ""
    form: str = ""
    data: Mapping[str, str] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str


class FieldKind(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    CHOICE = "choice"
    MULTI = "multi"
    PASSWORD = "password"  # noqa: S105 (a field kind, not a password)


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    max_length: int = 500
    hint: str = ""
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True, slots=True)
class Form:
    """A set of fields submitted at once; ``id`` comes back as ``Incoming.form``."""

    id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One message from the bot.

    ``sensitive`` marks text a channel should offer to hide afterwards
    (a receipt); ``lang`` is the language the text is written in.
    """

    text: str
    lang: str = DEFAULT_LANGUAGE
    buttons: tuple[Button, ...] = ()
    form: Form | None = None
    sensitive: bool = False


def language_of(locale: str | None) -> str | None:
    """Map a platform locale such as ``en-US`` or ``nl_NL`` to a supported language."""
    if not locale:
        return None
    head = locale.replace("_", "-").split("-", 1)[0].strip().lower()
    return head if head in LANGUAGES else None
