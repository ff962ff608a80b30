"""Core :class:`Reply` values to Teams message activities (as JSON).

* Text goes out as ``textFormat: "markdown"``; Teams renders a subset of markdown (bold,
  italic, lists, links) in messages ("Format your bot messages", learn.microsoft.com/
  microsoftteams/platform/bots/how-to/format-your-bot-messages).
* Buttons always become an Adaptive Card with ``Action.Submit``, never suggested actions:
  Teams implements suggested actions as ``imBack``, which posts the button's value into the chat
  as if the person had typed it, and only in personal chats. A card keeps the action id out of
  the transcript and works the same in every scope.
* A form is one Adaptive Card with one submit, so a signal is taken in one go.
* Teams refuses messages larger than about 28 KB ("Send and receive messages", section
  "Message size limits"), so long text is split into several messages well under that.
* What a person wrote (a signal, a thread message; marked by the core with
  ``bot.core.user_text``) is backslash-escaped, so Teams shows it as typed and never as a
  link, a mention (``<at>``) or formatting (``adapters/commonmark.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from botbuilder.schema import Activity, Attachment

from adapters.commonmark import escape_commonmark
from adapters.teams.cards import (
    CARD_CONTENT_TYPE,
    attachment,
    buttons_card,
    form_card,
    without_inputs,
)
from bot.core import Button, Reply, user_spans

# Per message, in UTF-8 bytes: leaves room for the card markup and the activity envelope.
MAX_TEXT_BYTES = 8000

Json = dict[str, Any]


def to_activities(replies: Sequence[Reply]) -> list[Json]:
    """The message activities for a turn's replies, in order."""
    activities: list[Json] = []
    for reply in replies:
        activities.extend(reply_activities(reply))
    return activities


HIDE_ACTION = "teams:hide-sensitive"
HIDE_LABEL = {"nl": "Verberg de code", "en": "Hide the code"}
HIDDEN_TEXT = {
    "nl": "De code is hier verborgen. Teams kan zelf nog een kopie bewaren.",
    "en": "The code is hidden here. Teams may still keep a copy of its own.",
}


def reply_activities(reply: Reply) -> list[Json]:
    if reply.sensitive and reply.form is None:
        # A receipt: the person can have the bot overwrite its own message afterwards.
        label = HIDE_LABEL.get(reply.lang, HIDE_LABEL["en"])
        reply = replace(reply, buttons=(*reply.buttons, Button(label, HIDE_ACTION)))
    chunks = split_text(teams_markdown(reply.text), MAX_TEXT_BYTES)
    if reply.form is None and not reply.buttons:
        return [_text_message(chunk, reply) for chunk in chunks]
    leading, last = chunks[:-1], (chunks[-1] if chunks else "")
    if reply.form is not None:
        card = form_card(last, reply.form, reply.buttons)
    else:
        card = buttons_card(last, reply.buttons)
    messages = [_text_message(chunk, reply) for chunk in leading]
    messages.append(_card_message(card, reply))
    return messages


def teams_markdown(text: str) -> str:
    """Our markdown as written, a person's words escaped to show literally."""
    return "".join(escape_commonmark(part) if theirs else part for theirs, part in user_spans(text))


def superseded_message(message: Json) -> Json | None:
    """What replaces a card message once a newer reply supersedes it (None: not a card)."""
    cards = [
        item["content"]
        for item in message.get("attachments", ())
        if item.get("contentType") == CARD_CONTENT_TYPE
    ]
    if not cards:
        return None
    content = [attachment(without_inputs(card)) for card in cards]
    return {"type": "message", "attachments": content, "locale": message.get("locale")}


def hidden_message(lang: str) -> Json:
    """What replaces a hidden receipt: the same message id, the code gone."""
    return {"type": "message", "text": HIDDEN_TEXT.get(lang, HIDDEN_TEXT["en"]), "locale": lang}


def _text_message(text: str, reply: Reply) -> Json:
    return {"type": "message", "text": text, "textFormat": "markdown", "locale": reply.lang}


def _card_message(card: Json, reply: Reply) -> Json:
    return {"type": "message", "attachments": [attachment(card)], "locale": reply.lang}


def split_text(text: str, max_bytes: int) -> list[str]:
    """Cut text into pieces of at most ``max_bytes`` UTF-8 bytes, at the gentlest boundary."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest.encode("utf-8")) > max_bytes:
        cut = _cut_point(rest, max_bytes)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _cut_point(text: str, max_bytes: int) -> int:
    limit = _chars_within(text, max_bytes)
    window = text[:limit]
    for separator in ("\n\n", "\n", ". ", " "):
        found = window.rfind(separator)
        if found > limit // 2:
            return found + len(separator)
    return limit


def _chars_within(text: str, max_bytes: int) -> int:
    """How many leading characters of ``text`` fit in ``max_bytes`` UTF-8 bytes."""
    encoded = text.encode("utf-8")[:max_bytes]
    return len(encoded.decode("utf-8", errors="ignore"))


class SentAttachment(Attachment):  # type: ignore[misc]
    """A card built for one send and never changed after: copying it buys nothing.

    botbuilder's ``TurnContext.send_activities`` deep-copies every outgoing activity; for a
    menu card that copy costs more than the rest of our adapter's work in a turn.
    """

    def __deepcopy__(self, memo: dict[int, object]) -> SentAttachment:
        return self


def to_sdk_activity(message: Json) -> Activity:
    """One of our message dicts as the SDK's ``Activity``, built directly.

    ``Activity.deserialize`` walks every card element through msrest's model machinery;
    for a menu card that is a noticeable part of a turn, and the SDK walks it again to send.
    """
    attachments = [
        SentAttachment(content_type=item["contentType"], content=item["content"])
        for item in message.get("attachments", ())
    ]
    return Activity(
        type=message["type"],
        id=message.get("id"),
        text=message.get("text"),
        text_format=message.get("textFormat"),
        locale=message.get("locale"),
        attachments=attachments or None,
    )
