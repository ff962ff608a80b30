"""The core vocabulary every channel converts to and from.

Adapters turn platform events into :class:`Incoming` and render :class:`Reply`
values; nothing below the adapters knows which platform a message came from
except through ``Incoming.channel``.
"""

from __future__ import annotations

import re
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
    """One input of a form.

    ``value`` is shown prefilled, in the shape a submission has (a MULTI field's values
    joined with ","). Channels never show it for a PASSWORD field: that is a receipt.
    """

    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    max_length: int = 500
    hint: str = ""
    choices: tuple[Choice, ...] = ()
    value: str = ""

    @property
    def prefill(self) -> str:
        """The value a channel may show: never a PASSWORD field's."""
        return "" if self.kind is FieldKind.PASSWORD else self.value


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
    (a receipt); ``lang`` is the language the text is written in. ``supersedes`` says
    the buttons and forms of earlier replies no longer apply, so a channel makes them
    inactive; it is False for an aside that leaves an open form usable ("use the form",
    a crisis answer that interrupts a form). ``conceal_input`` asks the channel to hide the
    person's message this answers (a receipt typed in the message box) where it can.
    """

    text: str
    lang: str = DEFAULT_LANGUAGE
    buttons: tuple[Button, ...] = ()
    form: Form | None = None
    sensitive: bool = False
    supersedes: bool = True
    conceal_input: bool = False


def language_of(locale: str | None) -> str | None:
    """Map a platform locale such as ``en-US`` or ``nl_NL`` to a supported language."""
    if not locale:
        return None
    head = locale.replace("_", "-").split("-", 1)[0].strip().lower()
    return head if head in LANGUAGES else None


# Words a person wrote, shown back inside a reply (a signal's text, a thread message), are
# wrapped in two Private Use characters (Unicode 15, section 23.5: "no semantics assigned"),
# so that a channel that renders markdown can show them as written and never as markup: a
# reporter's "[click](http://evil)" must reach the adviser as those characters. The router
# removes both from everything a person sends, so only the core can place them.
USER_START = "\ue000"
USER_END = "\ue001"
_MARKERS = re.compile("[\ue000\ue001]")
_SPANS = re.compile("\ue000([^\ue000\ue001]*)(?:\ue001|$)")


def user_text(text: str) -> str:
    """Mark ``text`` as a person's own words (empty stays empty; markers inside are dropped)."""
    inner = _MARKERS.sub("", text)
    return f"{USER_START}{inner}{USER_END}" if inner else ""


def plain_text(text: str) -> str:
    """The text without the markers, for channels that show every character as it is."""
    return _MARKERS.sub("", text)


def user_spans(text: str) -> list[tuple[bool, str]]:
    """``text`` cut into ``(from_a_person, part)`` pieces, in order, without the markers.

    An opened span that is never closed runs to the end (the safer reading); a stray end
    marker is dropped.
    """
    spans: list[tuple[bool, str]] = []
    position = 0
    for found in _SPANS.finditer(text):
        _append(spans, False, plain_text(text[position : found.start()]))
        _append(spans, True, found[1])
        position = found.end()
    _append(spans, False, plain_text(text[position:]))
    return spans


def _append(spans: list[tuple[bool, str]], from_person: bool, part: str) -> None:
    if not part:
        return
    if spans and spans[-1][0] == from_person:
        spans[-1] = (from_person, spans[-1][1] + part)
    else:
        spans.append((from_person, part))
