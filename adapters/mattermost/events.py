"""Mattermost posts (websocket ``posted`` events and REST posts) to messages for the core.

A ``posted`` event carries the post as a JSON string inside the event's JSON, with the
channel type and, when someone is mentioned, a JSON string listing their user ids
("WebSocket API", developers.mattermost.com/integrate/reference/websocket/; the server
builds it in ``app/notification.go``, ``SendNotifications``). A REST post
(``GET /api/v4/channels/{id}/posts``) is the same post object without those extras.

Only messages a person typed to the bot are passed on: not the bot's own posts, not other
bots' or webhooks' (``props.from_bot`` / ``props.from_webhook`` are the string "true",
``model.PostPropsFromBot``), not system posts (any non-empty ``type``, e.g.
``system_join_channel``), not edits or deletions, and in a channel other than a direct
message only when the bot is mentioned.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.mattermost.account import BotAccount
from bot.core import Channel, Incoming, Kind

DIRECT = "D"
# A post is at most 16,383 runes (``PostMessageMaxRunesV2``, server/public/model/post.go);
# an event whose post JSON is far larger is not one the server sent.
MAX_POST_JSON_CHARS = 256_000


@dataclass(frozen=True, slots=True)
class PostedMessage:
    """One message a person posted; ``text`` has the bot's @-mention taken out."""

    post_id: str
    channel_id: str
    user_id: str
    text: str
    create_at: int
    direct: bool
    mentioned: bool


def from_event(event: Mapping[str, Any], bot: BotAccount) -> PostedMessage | None:
    """The message in a websocket ``posted`` event, or None for anything else."""
    data = event.get("data")
    if event.get("event") != "posted" or not isinstance(data, Mapping):
        return None
    post = _json(data.get("post"))
    if not isinstance(post, Mapping):
        return None
    mentions = _json(data.get("mentions")) or []
    listed = isinstance(mentions, list) and bot.user_id in mentions
    return _message(post, str(data.get("channel_type") or ""), bot, listed)


def from_post(post: Mapping[str, Any], channel_type: str, bot: BotAccount) -> PostedMessage | None:
    """A REST post (catching up after missed events), or None if it is not for the core."""
    return _message(post, channel_type, bot, listed=False)


def to_incoming(message: PostedMessage, locale: str | None) -> Incoming:
    return Incoming(
        channel=Channel.MATTERMOST,
        conversation=message.channel_id,
        kind=Kind.TEXT,
        sender=message.user_id,
        locale=locale,
        text=message.text,
    )


def _message(
    post: Mapping[str, Any], channel_type: str, bot: BotAccount, listed: bool
) -> PostedMessage | None:
    post_id, channel_id = post.get("id"), post.get("channel_id")
    user_id, text = post.get("user_id"), post.get("message")
    if not all(isinstance(value, str) and value for value in (post_id, channel_id, user_id)):
        return None
    if not isinstance(text, str) or user_id == bot.user_id or _not_a_person_typing(post):
        return None
    mention = _mention(bot.username)
    mentioned = listed or mention.search(text) is not None
    direct = channel_type == DIRECT
    if not direct and not mentioned:
        return None
    create_at = post.get("create_at")
    return PostedMessage(
        post_id=str(post_id),
        channel_id=str(channel_id),
        user_id=str(user_id),
        text=_SPACES.sub(" ", mention.sub("", text)).strip(),
        create_at=create_at if isinstance(create_at, int) else 0,
        direct=direct,
        mentioned=mentioned,
    )


def _not_a_person_typing(post: Mapping[str, Any]) -> bool:
    props = post.get("props")
    props = props if isinstance(props, Mapping) else {}
    from_software = any(str(props.get(key, "")).lower() == "true" for key in _SOFTWARE_PROPS)
    changed = any(_positive(post.get(key)) for key in ("edit_at", "delete_at"))
    return bool(post.get("type")) or from_software or changed


_SOFTWARE_PROPS = ("from_bot", "from_webhook")
_SPACES = re.compile(r"[ \t]{2,}")


def _mention(username: str) -> re.Pattern[str]:
    # A username is letters, digits and ".-_" (``model.IsValidUsername``); the server's
    # mention parser drops a trailing "." "-" ":" (``app/mention_parser_standard.go``).
    return re.compile(rf"(?<![\w.\-@])@{re.escape(username)}(?![\w\-]|\.[\w\-])", re.IGNORECASE)


def _positive(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _json(value: object) -> Any:
    if not isinstance(value, str) or len(value) > MAX_POST_JSON_CHARS:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None
