"""A person holding one valid button, or a stranger holding none, against the callbacks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from adapters.mattermost.callbacks import ACTIONS_PATH

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
