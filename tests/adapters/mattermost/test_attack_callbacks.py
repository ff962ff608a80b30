"""A person holding one valid button, or a stranger holding none, against the callbacks."""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from adapters.mattermost.callbacks import ACTIONS_PATH, CLOCK_SKEW, DIALOGS_PATH
from adapters.mattermost.command import COMMAND_PATH
from adapters.mattermost.once import OnceRow
from adapters.mattermost.request_body import MAX_BODY_BYTES

from .callback_app import Bot, bot, press_payload
from .fake_model import actions_of

__all__ = ["bot"]  # the fixture, imported for pytest


def first_with_buttons(posts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return next(p for p in posts if actions_of(p))


async def test_a_valid_press_naming_someone_elses_post_does_not_read_that_post_back(
    bot: Bot,
) -> None:
    """The post id is not signed: the press's answer must not quote any post it names.

    ``update`` carries the pressed post's message as read over REST with the bot's rights;
    a person who sends their own valid press straight to the callback URL with the id of a
    post in someone else's conversation with the bot would get that post's text back.
    """
    anna = bot.fake.add_user("anna", locale="en")
    bob = bot.fake.add_user("bob", locale="en")
    annas_menu = first_with_buttons(await bot.welcome(anna))
    bobs_post = bot.bot_posts(bob)[0] if bot.bot_posts(bob) else (await bot.welcome(bob))[0]
    bot.fake.posts[bobs_post["id"]]["message"] = "Bob's words, for Bob only"
    payload = press_payload(bot.fake, anna, annas_menu, 0)
    payload["post_id"] = bobs_post["id"]

    response = await bot.client.post(ACTIONS_PATH, json=payload)
    assert response.status == 200
    answer = json.dumps(await response.json())
    assert "for Bob only" not in answer
    assert bobs_post["id"] not in answer
    assert actions_of(bot.fake.posts[bobs_post["id"]]) == actions_of(bobs_post)


HOSTILE_BODIES = [
    (b"[" * 60_000, "application/json", 400),  # nesting deeper than the parser's recursion
    (b'{"user_id": ' + b"9" * 50_000 + b"}", "application/json", 400),  # a 50,000-digit int
    (
        b'{"user_id": "\\ud800", "channel_id": "c", "post_id": "p", "context": {"t": 1}}',
        "application/json",
        400,
    ),
    (b'{"context": {"t": "' + b"A" * 60_000 + b'.x"}}', "application/json", 400),
    (b"{}", "application/x-www-form-urlencoded", 415),
    (b"{}", "multipart/form-data; boundary=x", 415),
]


@pytest.mark.parametrize(("body", "content_type", "status"), HOSTILE_BODIES)
async def test_hostile_bodies_from_a_stranger_touch_neither_rest_nor_the_database(
    bot: Bot, body: bytes, content_type: str, status: int
) -> None:
    for path in (ACTIONS_PATH, DIALOGS_PATH):
        response = await bot.client.post(path, data=body, headers={"Content-Type": content_type})
        assert response.status == status
        answer = await response.text()
        assert set(json.loads(answer)["error"]) == {"code", "message"}
        assert "Traceback" not in answer
    assert bot.fake.requests == []
    assert await bot.once_rows() == 0


async def test_an_oversized_chunked_body_is_refused_without_a_declared_length(bot: Bot) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b" " * 1024

    response = await bot.client.post(
        ACTIONS_PATH, data=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status == 413
    assert bot.fake.requests == []


async def test_a_thousand_forged_presses_and_commands_cost_no_rest_call_and_no_row(
    bot: Bot,
) -> None:
    user = bot.fake.add_user("eve", locale="en")
    menu = first_with_buttons(await bot.welcome(user))
    before = len(bot.fake.requests)
    payload = press_payload(bot.fake, user, menu, 0)
    grant, tag = payload["context"]["t"].split(".")
    for attempt in range(1000):
        forged = dict(payload, context={"t": f"{grant}.{tag[:-4]}{attempt:04d}"})
        response = await bot.client.post(ACTIONS_PATH, json=forged)
        assert response.status == 403
    for attempt in range(200):
        response = await bot.client.post(
            COMMAND_PATH, data={"token": f"guess{attempt}", "user_id": user.id}
        )
        assert response.status == 401
    assert len(bot.fake.requests) == before
    assert await bot.once_rows() == 0
    assert bot.command.pending == 0
    assert actions_of(bot.fake.posts[menu["id"]]), "the owner can still press it"


async def test_a_claim_outlives_its_button_on_a_replica_whose_clock_is_behind(bot: Bot) -> None:
    """Replicas' clocks differ a little; the claim must not expire while one still says yes.

    The claim's row is kept until the grant's expiry rounded up to the hour. A grant that
    expires a minute before the hour has a claim that could be taken over again from the
    hour on, while a replica whose clock is a few minutes behind still accepts its button.
    """
    user = bot.fake.add_user("ria", locale="en")
    now = time.time()
    # The signer's clock is set so that the button expires 60 s before a full hour.
    target = (int(now + 12 * 3600) // 3600 + 1) * 3600 - 60
    bot.clock.offset = target - (now + 12 * 3600)
    menu = first_with_buttons(await bot.welcome(user))
    bot.clock.offset = 0  # pressed on a replica whose clock has the real time
    payload = press_payload(bot.fake, user, menu, 0)
    expires = grant_of_payload(payload)["e"]
    response = await bot.client.post(ACTIONS_PATH, json=payload)
    assert "update" in await response.json()
    async with bot.services.sessions() as db:
        kept = (await db.execute(select(OnceRow.expires_on))).scalars().all()
    assert kept, "the press was claimed"
    latest = datetime.fromtimestamp(expires, UTC) + CLOCK_SKEW
    assert all(moment.replace(tzinfo=UTC) >= latest for moment in kept)


def grant_of_payload(payload: dict[str, Any]) -> dict[str, Any]:
    encoded = payload["context"]["t"].split(".")[0]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    )
    return decoded


async def test_an_id_that_is_not_text_is_a_plain_400_not_a_failure_in_the_log(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """A lone surrogate is valid JSON but no string of any encoding: refused at the door."""
    user = bot.fake.add_user("zed", locale="en")
    menu = first_with_buttons(await bot.welcome(user))
    payload = press_payload(bot.fake, user, menu, 0)
    body = json.dumps(payload).replace(json.dumps(user.id), '"\\ud800"')
    before = len(bot.fake.requests)
    response = await bot.client.post(
        ACTIONS_PATH, data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "bad_shape"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(bot.fake.requests) == before
    assert await bot.once_rows() == 0
