"""The web chat shows a person's words as text nodes: only the core's marks are dropped."""

from __future__ import annotations

from adapters.webchat.wire import reply_json
from bot.core import Reply, user_text


def test_the_marks_are_dropped_and_the_words_kept() -> None:
    reply = Reply("**Wat:** " + user_text("[click](http://evil) <b>x</b>"))
    assert reply_json(reply)["text"] == "**Wat:** [click](http://evil) <b>x</b>"
