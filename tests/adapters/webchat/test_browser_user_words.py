"""A person's own words in the browser: shown as written, never as the page's markup.

The page makes **bold**, "- " lists and links of the bot's own text (chat.js). Words a
person wrote (an adviser's answer in the follow-up thread, a reporter's addition) are marked
by the core (bot/core.py, ``user_text``) and must reach the reader character for character.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from aiohttp import web

from adapters.webchat import setup_webchat
from bot.core import Incoming, Reply, user_text

pytestmark = pytest.mark.browser

WORDS = "**Dinsdag** kan ik\n- geen lijst\n\nzie http://example.org/x"


class QuotingCore:
    """Answers like the follow-up thread: the bot's markup around a person's own words."""

    async def handle(self, incoming: Incoming) -> Sequence[Reply]:
        return (Reply("**Vertrouwenspersoon** (1 december):\n" + user_text(WORDS), "nl"),)


@pytest.fixture
def app() -> web.Application:
    app = web.Application()
    setup_webchat(app, QuotingCore(), max_message_chars=2000)
    return app


async def test_a_persons_words_are_shown_as_written_and_the_bots_markup_still_works(
    page: Any,
) -> None:
    reply = page.locator(".message.bot").first
    await reply.wait_for()
    text = await reply.locator(".message-text").inner_text()
    assert "**Dinsdag** kan ik" in text
    assert "- geen lijst" in text
    assert "http://example.org/x" in text
    assert await reply.locator("strong").all_inner_texts() == ["Vertrouwenspersoon"]
    assert await reply.locator("li").count() == 0
    assert await reply.locator("a").count() == 0
    # Their line breaks stay: the blank line still starts a new paragraph.
    assert await reply.locator("p").count() == 2
