"""Teams activities (as received JSON) to core :class:`Incoming` values.

Shapes follow the Bot Framework Activity schema (github.com/microsoft/botframework-sdk,
specs/botframework-activity/botframework-activity.md) and the Teams bot docs:
* a message may carry ``<at>Bot</at>`` mention markup plus a ``mention`` entity
  ("Channel and group conversations", learn.microsoft.com/microsoftteams/platform/bots/how-to/
  conversations/channel-and-group-conversations);
* an Adaptive Card ``Action.Submit`` arrives as a ``message`` whose ``value`` holds the action's
  ``data`` merged with the input values, and no text ("Adaptive Card actions in Teams");
* installing the app in personal scope sends ``conversationUpdate`` with the bot in
  ``membersAdded`` ("Conversation events in your Teams bot").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from bot.core import Channel, Incoming, Kind

# Submitted field values longer than this are cut; the core enforces its own limits too.
MAX_FIELD_CHARS = 20000
_AT_TAG = re.compile(r"<at>[^<]*</at>", re.IGNORECASE)


def to_incoming(activity: Mapping[str, Any]) -> Incoming | None:
    """The core event for one activity, or None when the bot has nothing to do with it."""
    conversation = _text(_mapping(activity.get("conversation")).get("id"))
    if not conversation:
        return None
    kind = _text(activity.get("type"))
    if kind == "message":
        return _message(activity, conversation)
    if kind == "conversationUpdate" and _bot_added_to_personal_chat(activity):
        return _incoming(activity, conversation, Kind.START)
    return None


def _message(activity: Mapping[str, Any], conversation: str) -> Incoming | None:
    value = activity.get("value")
    if isinstance(value, Mapping):
        return _submission(activity, conversation, value)
    text = strip_bot_mention(activity)
    if not text:
        return None
    return _incoming(activity, conversation, Kind.TEXT, text=text)


def _submission(
    activity: Mapping[str, Any], conversation: str, value: Mapping[str, Any]
) -> Incoming | None:
    action = _text(value.get("action"))
    if action:
        return _incoming(activity, conversation, Kind.ACTION, action=action)
    form = _text(value.get("form"))
    if form:
        fields = {
            key: _text(item)[:MAX_FIELD_CHARS]
            for key, item in value.items()
            if key != "form" and isinstance(key, str) and isinstance(item, str | int | float)
        }
        return _incoming(
            activity, conversation, Kind.FORM, form=form, data=MappingProxyType(fields)
        )
    return None


def _incoming(
    activity: Mapping[str, Any], conversation: str, kind: Kind, **values: Any
) -> Incoming:
    sender = _mapping(activity.get("from"))
    return Incoming(
        channel=Channel.TEAMS,
        conversation=conversation,
        kind=kind,
        sender=_text(sender.get("aadObjectId")) or _text(sender.get("id")),
        locale=_text(activity.get("locale")) or None,
        **values,
    )


def strip_bot_mention(activity: Mapping[str, Any]) -> str:
    """The message text without the ``<at>…</at>`` markup that mentions this bot."""
    text = _text(activity.get("text"))
    bot_id = _text(_mapping(activity.get("recipient")).get("id"))
    for entity in activity.get("entities") or ():
        entity = _mapping(entity)
        mentioned = _mapping(entity.get("mentioned"))
        if entity.get("type") == "mention" and _text(mentioned.get("id")) == bot_id:
            markup = _text(entity.get("text"))
            if markup:
                text = text.replace(markup, " ")
    # Teams also renders a mention with a different display name than the entity says.
    if bot_id and "<at>" in text.lower() and _mentions_bot(activity, bot_id):
        text = _AT_TAG.sub(" ", text)
    return " ".join(text.split())


def _mentions_bot(activity: Mapping[str, Any], bot_id: str) -> bool:
    return any(
        _text(_mapping(_mapping(entity).get("mentioned")).get("id")) == bot_id
        for entity in activity.get("entities") or ()
    )


def _bot_added_to_personal_chat(activity: Mapping[str, Any]) -> bool:
    conversation = _mapping(activity.get("conversation"))
    if conversation.get("conversationType", "personal") != "personal":
        return False
    bot_id = _text(_mapping(activity.get("recipient")).get("id"))
    added = activity.get("membersAdded") or ()
    return any(_text(_mapping(member).get("id")) == bot_id for member in added)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    return str(value) if isinstance(value, str | int | float) else ""
