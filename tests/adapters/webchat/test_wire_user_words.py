"""The web chat shows a person's words as text nodes: only the core's marks are dropped."""

from __future__ import annotations

from adapters.webchat.wire import reply_json
from bot.core import Reply, user_text


def test_the_marks_are_dropped_and_the_words_kept() -> None:
    reply = Reply("**Wat:** " + user_text("[click](http://evil) <b>x</b>"))
    assert reply_json(reply)["text"] == "**Wat:** [click](http://evil) <b>x</b>"


def test_the_parts_say_which_words_are_a_persons_so_the_page_renders_none_of_them() -> None:
    # The page makes **bold**, "- " lists and links of the bot's own text (chat.js); a
    # person's "**Dinsdag**" must reach the reader with its asterisks.
    reply = Reply("**Vertrouwenspersoon:**\n" + user_text("**Dinsdag** kan ik") + " ok")
    assert reply_json(reply)["parts"] == [
        {"text": "**Vertrouwenspersoon:**\n", "theirs": False},
        {"text": "**Dinsdag** kan ik", "theirs": True},
        {"text": " ok", "theirs": False},
    ]


def test_a_reply_without_a_persons_words_is_one_part() -> None:
    assert reply_json(Reply("**Menu**"))["parts"] == [{"text": "**Menu**", "theirs": False}]
