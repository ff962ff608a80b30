"""Prefilled dialogs and superseded posts, through the real turn and callbacks and the fake server.

A reply that supersedes the earlier ones makes the bot patch its own earlier posts so their
buttons are gone (``PUT /api/v4/posts/{id}/patch`` on the fake); an aside leaves them. The
shapes relied on are in ``fixtures/rest_patch_post.json``, ``fixtures/dialog_open_prefilled.json``
and ``fixtures/action_request.json`` (the press, whose ``post_id`` is not signed).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.live_cards import LiveCards
from adapters.mattermost.callbacks import ACTIONS_PATH
from bot.core import Channel, Choice, FieldKind, Form, FormField, Incoming, Kind
from tests.adapters.scripted_core import ScriptedCore

from .callback_app import Bot, grant_of, press_payload, start_bot
from .fake_model import FakeUser, actions_of
from .recorded import load_recorded

Json = dict[str, Any]
WRITTEN = "Het gebeurde bij de koffieautomaat, twee keer."

PREFILLED = Form(
    id="signal:intake:anonymous",
    title="Anonieme melding",
    fields=(
        FormField("what", "Wat?", FieldKind.TEXTAREA, required=True, value=WRITTEN),
        FormField("short", "Kort", FieldKind.TEXT, max_length=100, value="é" * 120),
        FormField(
            "where",
            "Waar?",
            FieldKind.CHOICE,
            choices=(Choice("team", "Team"), Choice("elsewhere", "Elders")),
            value="elsewhere",
        ),
        FormField(
            "kinds",
            "Soort",
            FieldKind.MULTI,
            choices=(Choice("racism", "Racisme"), Choice("exclusion", "Uitsluiting")),
            value="exclusion",
        ),
        FormField("passphrase", "Wachtwoord", FieldKind.PASSWORD, value="geheim-en-lang"),
    ),
    submit_label="Versturen",
)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async for running in start_bot(tmp_path, ScriptedCore(PREFILLED)):
        yield running


def person(bot: Bot, name: str = "reporter") -> FakeUser:
    return bot.fake.add_user(name)


async def say(bot: Bot, user: FakeUser, text: str) -> list[Json]:
    """A message from ``user`` through the turn; the bot's new posts."""
    before = len(bot.bot_posts(user))
    incoming = Incoming(Channel.MATTERMOST, bot.dm(user), Kind.TEXT, sender=user.id, text=text)
    await bot.turn.run(incoming)
    return bot.bot_posts(user)[before:]


def patches(bot: Bot, since: int = 0) -> list[str]:
    """The ids of the posts the bot patched, in order."""
    return [
        r.path.split("/")[-2]
        for r in bot.fake.requests[since:]
        if r.method == "PUT" and r.path.endswith("/patch")
    ]


def live_actions(bot: Bot, post: Json) -> list[Json]:
    return actions_of(bot.fake.posts[post["id"]])


# ---- superseding -----------------------------------------------------------------------


async def test_a_new_answer_takes_the_buttons_off_the_previous_post(bot: Bot) -> None:
    user = person(bot)
    [first] = await say(bot, user, "hallo")
    assert live_actions(bot, first)
    since = len(bot.fake.requests)
    [second] = await say(bot, user, "verder")
    assert patches(bot, since) == [first["id"]]
    stored = bot.fake.posts[first["id"]]
    assert stored["message"] == "Menu na hallo" and not actions_of(stored)
    assert live_actions(bot, second), "the new answer keeps its buttons"


async def test_an_aside_leaves_the_open_form_alone_and_the_next_answer_closes_both(
    bot: Bot,
) -> None:
    user = person(bot)
    [form] = await say(bot, user, "form")
    since = len(bot.fake.requests)
    [aside] = await say(bot, user, "aside")
    assert patches(bot, since) == [] and live_actions(bot, form)
    await say(bot, user, "plain")
    assert sorted(patches(bot, since)) == sorted([form["id"], aside["id"]])
    assert not live_actions(bot, form) and not live_actions(bot, aside)


async def test_a_pressed_post_is_updated_by_its_answer_and_the_others_are_patched(
    bot: Bot,
) -> None:
    user = person(bot)
    [form] = await say(bot, user, "form")
    [aside] = await say(bot, user, "aside")
    since = len(bot.fake.requests)
    status, answer, _new = await bot.press(user, aside, 0)
    assert status == 200 and "update" in answer
    assert patches(bot, since) == [form["id"]], "the pressed post is not patched as well"
    assert not live_actions(bot, aside) and not live_actions(bot, form)


async def test_a_receipts_hide_button_is_never_taken_away(bot: Bot) -> None:
    user = person(bot)
    [receipt] = await say(bot, user, "receipt")
    since = len(bot.fake.requests)
    await say(bot, user, "plain")
    assert patches(bot, since) == [] and live_actions(bot, receipt)


async def test_a_failed_patch_is_logged_by_its_status_and_the_turn_goes_on(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    user = person(bot)
    [first] = await say(bot, user, "hallo")
    bot.fake.fail_next("PUT", r"/api/v4/posts/[a-z0-9]+/patch", 403)
    with caplog.at_level(logging.WARNING):
        assert [p["message"] for p in await say(bot, user, "plain")] == ["Alleen tekst."]
    lines = [r.getMessage() for r in caplog.records if "not updated" in r.getMessage()]
    assert lines == ["mattermost post not updated: HTTP 403"]
    assert all(
        first["id"] not in r.getMessage() and user.id not in r.getMessage() for r in caplog.records
    )


# ---- prefilled dialogs -----------------------------------------------------------------


async def open_dialog(bot: Bot, user: FakeUser, post: Json) -> Json:
    opened = len(bot.fake.opened_dialogs)
    status, _answer, _new = await bot.press(user, post, 0)
    assert status == 200 and len(bot.fake.opened_dialogs) == opened + 1
    dialog: Json = bot.fake.opened_dialogs[-1]["dialog"]
    return dialog


async def test_a_prefilled_form_opens_with_its_values_but_never_a_passphrase(bot: Bot) -> None:
    user = person(bot)
    [form] = await say(bot, user, "form")
    dialog = await open_dialog(bot, user, form)
    elements = {element["name"]: element for element in dialog["elements"]}
    assert elements["what"]["default"] == WRITTEN
    assert elements["where"]["default"] == "elsewhere"
    assert "default" not in elements["kinds.0"] and elements["kinds.1"]["default"] == "true"
    assert "default" not in elements["passphrase"]
    short = elements["short"]["default"]
    assert len(short.encode()) <= 150 and short == "é" * 75, "within the server's 150 bytes"
    assert "geheim" not in json.dumps(bot.fake.opened_dialogs[-1])


async def test_what_a_person_wrote_is_sealed_in_the_button_never_readable_in_the_post(
    bot: Bot,
) -> None:
    user = person(bot)
    [form] = await say(bot, user, "form")
    stored = json.dumps(bot.fake.posts[form["id"]], ensure_ascii=False)
    assert "koffieautomaat" not in stored and "geheim" not in stored
    [button] = actions_of(bot.fake.posts[form["id"]])
    sealed = grant_of(button)["f"]["v"]
    assert isinstance(sealed, str)
    assert "koffie" not in base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4)).decode(
        "latin-1"
    )


async def test_a_submitted_prefilled_form_closes_its_post(bot: Bot) -> None:
    user = person(bot)
    [form] = await say(bot, user, "form")
    opened = len(bot.fake.opened_dialogs)
    await bot.press(user, form, 0)
    since = len(bot.fake.requests)
    submission = {"what": WRITTEN, "short": "", "where": "team", "kinds.0": True}
    status, _ = await bot.fake.submit_dialog(user, bot.fake.opened_dialogs[opened], submission)
    assert status == 200
    assert patches(bot, since) == [form["id"]] and not live_actions(bot, form)


# ---- what a stranger, a flood or a race can do -------------------------------------------


async def test_a_press_naming_another_conversations_post_patches_nothing_there(
    bot: Bot,
) -> None:
    owner, stranger = person(bot, "owner"), person(bot, "stranger")
    [theirs] = await say(bot, owner, "hallo")
    [mine] = await say(bot, stranger, "hallo")
    payload = press_payload(bot.fake, stranger, mine)
    payload["post_id"] = theirs["id"]
    since = len(bot.fake.requests)
    response = await bot.client.post(ACTIONS_PATH, json=payload)
    assert response.status == 200
    assert patches(bot, since) == [mine["id"]], "only the stranger's own post"
    assert live_actions(bot, theirs), "the owner's buttons still work"
    since = len(bot.fake.requests)
    await say(bot, owner, "plain")
    assert patches(bot, since) == [theirs["id"]]


async def test_a_flood_of_conversations_evicts_the_oldest_and_stays_bounded(bot: Bot) -> None:
    bot.turn.live = LiveCards(max_conversations=2)
    users = [person(bot, f"user{n}") for n in range(3)]
    posts = [(await say(bot, user, "hallo"))[0] for user in users]
    assert len(bot.turn.live) == 2
    since = len(bot.fake.requests)
    await say(bot, users[0], "plain")
    assert patches(bot, since) == [], "the oldest was forgotten and left as it was"
    await say(bot, users[2], "plain")
    assert patches(bot, since) == [posts[2]["id"]]


async def test_two_turns_at_once_leave_one_live_post_and_patch_each_other_once(
    bot: Bot,
) -> None:
    user = person(bot)
    [first] = await say(bot, user, "hallo")
    since = len(bot.fake.requests)
    before = len(bot.bot_posts(user))
    incoming = [
        Incoming(Channel.MATTERMOST, bot.dm(user), Kind.TEXT, sender=user.id, text=word)
        for word in ("x", "y")
    ]
    await asyncio.gather(*(bot.turn.run(item) for item in incoming))
    new = [post["id"] for post in bot.bot_posts(user)[before:]]
    patched = patches(bot, since)
    assert len(patched) == len(set(patched)) == 2 and first["id"] in patched
    [still_live] = bot.turn.live.live(bot.dm(user))
    assert set(patched) | {still_live} == {first["id"], *new}
    assert [p["id"] for p in bot.bot_posts(user) if actions_of(p)] == [still_live]


# ---- the recorded shapes ---------------------------------------------------------------


async def test_our_patch_and_dialog_have_the_recorded_shapes(bot: Bot) -> None:
    patch, opened = load_recorded("rest_patch_post"), load_recorded("dialog_open_prefilled")
    user = person(bot)
    [form] = await say(bot, user, "form")
    dialog = await open_dialog(bot, user, form)
    kinds = {element["type"]: set(element) for element in opened["dialog"]["elements"]}
    for element in dialog["elements"]:
        if "default" in element:
            assert set(element) >= kinds.get(element["type"], {"default"}) - {"placeholder"}
    since = len(bot.fake.requests)
    await say(bot, user, "plain")
    [sent] = [r for r in bot.fake.requests[since:] if r.method == "PUT"]
    assert set(sent.json) == set(patch["body"])
    assert sent.json["props"]["attachments"] == patch["body"]["props"]["attachments"]
    assert load_recorded("action_request")["post_id"]
