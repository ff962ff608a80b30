"""Websocket ``posted`` events and REST posts to messages for the core.

The event shape follows the server's ``posted`` broadcast ("WebSocket API",
developers.mattermost.com/integrate/reference/websocket/): ``data.post`` is the post as a
JSON string, ``data.mentions`` a JSON string of user ids.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.mattermost.account import BotAccount
from adapters.mattermost.events import PostedMessage, from_event, from_post, to_incoming
from bot.core import Channel, Kind

BOT = BotAccount(user_id="botuserid00000000000000000", username="meldwijzer")
USER = "useridjan00000000000000000"


def a_post(**overrides: Any) -> dict[str, Any]:
    post = {
        "id": "postid00000000000000000000",
        "create_at": 1764547200000,
        "update_at": 1764547200000,
        "edit_at": 0,
        "delete_at": 0,
        "user_id": USER,
        "channel_id": "dmchannel00000000000000000",
        "root_id": "",
        "message": "Hallo",
        "type": "",
        "props": {},
    }
    return {**post, **overrides}


def an_event(post: dict[str, Any], channel_type: str = "D", **data: Any) -> dict[str, Any]:
    return {
        "event": "posted",
        "data": {
            "channel_display_name": "@jan",
            "channel_name": f"{BOT.user_id}__{USER}",
            "channel_type": channel_type,
            "post": json.dumps(post),
            "sender_name": "@jan",
            "set_online": True,
            "team_id": "",
            **data,
        },
        "broadcast": {"channel_id": post["channel_id"]},
        "seq": 7,
    }


def test_a_direct_message_is_passed_on() -> None:
    message = from_event(an_event(a_post()), BOT)
    assert message == PostedMessage(
        post_id="postid00000000000000000000",
        channel_id="dmchannel00000000000000000",
        user_id=USER,
        text="Hallo",
        create_at=1764547200000,
        direct=True,
        mentioned=False,
    )


def test_a_channel_message_counts_only_when_the_bot_is_mentioned() -> None:
    plain = a_post(channel_id="townsquare0000000000000000", message="koffie?")
    assert from_event(an_event(plain, "O"), BOT) is None
    asked = a_post(channel_id="townsquare0000000000000000", message="@meldwijzer help")
    listed = an_event(asked, "O", mentions=json.dumps([BOT.user_id]))
    message = from_event(listed, BOT)
    assert message is not None and message.mentioned and not message.direct
    assert message.text == "help"
    # Without the server's list (a REST post) the mention in the text is enough.
    rest = from_post(asked, "O", BOT)
    assert rest is not None and rest.mentioned


@pytest.mark.parametrize(
    "text", ["@meldwijzerbot hoi", "mail@meldwijzer.nl", "@meldwijzer.team hoi", "meldwijzer"]
)
def test_other_names_are_no_mention(text: str) -> None:
    assert from_post(a_post(message=text), "O", BOT) is None


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("@meldwijzer hoi", "hoi"),
        ("hoi @Meldwijzer.", "hoi ."),
        ("vraag @meldwijzer: waar", "vraag : waar"),
        ("eerst\n@meldwijzer  tweede", "eerst\n tweede"),
    ],
)
def test_the_mention_is_taken_out_of_the_text(text: str, left: str) -> None:
    message = from_post(a_post(message=text), "D", BOT)
    assert message is not None and message.text == left


@pytest.mark.parametrize(
    "post",
    [
        a_post(user_id=BOT.user_id),
        a_post(props={"from_bot": "true"}),
        a_post(props={"from_webhook": "true"}),
        a_post(type="system_join_channel"),
        a_post(type="system_add_to_channel", message="jan added"),
        a_post(edit_at=1764547300000),
        a_post(delete_at=1764547300000),
        a_post(message=None),
        a_post(id=""),
        a_post(user_id=7),
    ],
)
def test_posts_not_typed_by_a_person_are_ignored(post: dict[str, Any]) -> None:
    assert from_event(an_event(post), BOT) is None
    assert from_post(post, "D", BOT) is None


@pytest.mark.parametrize(
    "event",
    [
        {"event": "post_edited", "data": {"post": json.dumps(a_post())}},
        {"event": "typing", "data": {}},
        {"event": "posted"},
        {"event": "posted", "data": {"post": "{not json"}},
        {"event": "posted", "data": {"post": json.dumps([1, 2])}},
        {"event": "posted", "data": {"post": a_post()}},
        {"event": "posted", "data": {"post": " " * 300_000}},
        {"seq_reply": 1, "status": "OK"},
    ],
)
def test_other_events_and_broken_ones_are_ignored(event: dict[str, Any]) -> None:
    assert from_event(event, BOT) is None


def test_a_group_message_without_mention_is_ignored() -> None:
    assert from_event(an_event(a_post(), "G"), BOT) is None


def test_broken_mentions_do_not_stop_a_direct_message() -> None:
    assert from_event(an_event(a_post(), mentions="[not json"), BOT) is not None


def test_to_incoming_is_a_text_turn_in_the_direct_channel() -> None:
    message = from_event(an_event(a_post(message="@meldwijzer Ik wil iets melden")), BOT)
    assert message is not None
    incoming = to_incoming(message, "nl-NL")
    assert incoming.channel is Channel.MATTERMOST
    assert incoming.kind is Kind.TEXT
    assert incoming.conversation == "dmchannel00000000000000000"
    assert incoming.sender == USER
    assert incoming.locale == "nl-NL"
    assert incoming.text == "Ik wil iets melden"
