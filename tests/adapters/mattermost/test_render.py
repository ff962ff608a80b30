"""Replies to Mattermost posts: text, buttons with signed contexts, forms, long text."""

from __future__ import annotations

import re

from adapters.mattermost.forms import form_spec
from adapters.mattermost.render import (
    MAX_MESSAGE_RUNES,
    disabled,
    split_message,
    to_posts,
)
from adapters.mattermost.signing import CallbackSigner
from bot.core import Button, FieldKind, Form, FormField, Reply, user_text

URL = "https://meldwijzer.example/api/mattermost/actions"
SIGNER = CallbackSigner(b"k" * 32, clock=lambda: 1_800_000_000.0)
WHO = {"conversation": "dmchannel", "user": "userjan"}
FORM = Form(
    "follow-up:read", "Je code", (FormField("code", "Code", FieldKind.TEXT, True, 60),), "Lees"
)


def posts(*replies: Reply, nonce: str | None = None) -> list:
    return to_posts(replies, signer=SIGNER, actions_url=URL, nonce=nonce, **WHO)


def actions_of(post: object) -> list[dict]:
    (attachment,) = post.props["attachments"]  # type: ignore[attr-defined]
    return list(attachment["actions"])


def grant_of(action: dict, kind: object = ("action", "form", "hide")):
    token = action["integration"]["context"]["t"]
    return SIGNER.verify(token, kind=kind, **WHO)  # type: ignore[arg-type]


def test_a_plain_reply_is_one_post_without_props() -> None:
    (post,) = posts(Reply("**Welkom** bij Meldwijzer."))
    assert post.message == "**Welkom** bij Meldwijzer."
    assert post.props == {}


def test_buttons_become_actions_with_signed_contexts() -> None:
    reply = Reply("Kies", buttons=(Button("Opties", "topic:options"), Button("Menu", "menu:show")))
    (post,) = posts(reply)
    found = actions_of(post)
    assert [action["name"] for action in found] == ["Opties", "Menu"]
    assert all(re.fullmatch(r"[A-Za-z0-9]+", action["id"]) for action in found)
    assert len({action["id"] for action in found}) == 2
    assert all(action["type"] == "button" for action in found)
    assert all(action["integration"]["url"] == URL for action in found)
    grants = [grant_of(action, "action") for action in found]
    assert [grant.value for grant in grants] == ["topic:options", "menu:show"]
    assert len({grant.nonce for grant in grants}) == 1
    assert post.props["attachments"][0]["fallback"] == "Opties | Menu"


def test_each_post_with_buttons_has_its_own_nonce() -> None:
    first = Reply("a", buttons=(Button("A", "a:1"),))
    second = Reply("b", buttons=(Button("B", "b:1"),))
    nonces = [grant_of(actions_of(post)[0]).nonce for post in posts(first, second)]
    assert nonces[0] != nonces[1]
    fixed = [grant_of(actions_of(post)[0]).nonce for post in posts(first, second, nonce="N")]
    assert fixed == ["N", "N-1"]


def test_a_form_is_its_text_and_a_button_that_carries_the_dialog() -> None:
    reply = Reply("Vul je code in.", "en", form=FORM, buttons=(Button("Menu", "menu:show"),))
    (post,) = posts(reply)
    opener, menu = actions_of(post)
    assert post.message == "Vul je code in."
    assert opener["name"] == "Open the form" and opener["style"] == "primary"
    grant = grant_of(opener, "form")
    assert (grant.value, grant.form) == ("follow-up:read", form_spec(FORM))
    assert grant_of(menu, "action").value == "menu:show"


def test_a_receipt_gets_a_hide_button() -> None:
    (post,) = posts(Reply("Je code: **ABCD-EFGH**", "nl", sensitive=True))
    (hide,) = actions_of(post)
    assert hide["name"] == "Verberg de code"
    grant = grant_of(hide, "hide")
    assert grant.value == "nl"


def test_long_text_is_split_under_the_limit_with_the_buttons_on_the_last_post() -> None:
    paragraph = "Een zin over wat er gebeurde. " * 40
    text = "\n\n".join([paragraph] * 12)
    reply = Reply(text, buttons=(Button("Menu", "menu:show"),))
    found = posts(reply)
    assert len(found) > 1
    assert all(len(post.message) <= MAX_MESSAGE_RUNES for post in found)
    assert all(post.props == {} for post in found[:-1])
    assert actions_of(found[-1])
    assert " ".join(" ".join(p.message.split()) for p in found) == " ".join(text.split())


def test_a_hard_cut_never_separates_a_backslash_from_what_it_escapes() -> None:
    escaped = "\\*" * 3000  # no space anywhere: the cut falls inside the escapes
    pieces = split_message(escaped, 4001)
    assert all(not piece.endswith("\\") or piece.endswith("\\\\") for piece in pieces)
    assert "".join(pieces) == escaped


def test_a_persons_words_are_escaped_in_the_post() -> None:
    (post,) = posts(Reply("**Wat:** " + user_text("[click](http://evil)")))
    assert post.message.startswith("**Wat:** ")
    assert "[click]" not in post.message


def test_a_pressed_post_keeps_no_buttons_and_says_what_was_chosen() -> None:
    (post,) = posts(Reply("Kies", buttons=(Button("Opties", "topic:options"),)))
    replaced = disabled(post.props, "Opties")
    (attachment,) = replaced["attachments"]
    assert "actions" not in attachment
    assert attachment["text"] == "✓ Opties"
    assert disabled({}, "**x**")["attachments"] == [
        {"text": "✓ \\*\\*x\\*\\*", "fallback": "✓ **x**"}
    ]
