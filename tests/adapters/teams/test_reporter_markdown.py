"""A reporter's markdown reaches the adviser in Teams as the characters they typed."""

from __future__ import annotations

from adapters.teams.outgoing import teams_markdown, to_activities
from bot.core import user_text
from knowledge.base import KnowledgeBase
from tests.adapters.reporter_markdown import (
    EVIL,
    MARKUP_TAGS,
    WORDS,
    adviser_replies,
    rendered_text,
)


def card_text(activity: dict) -> str:
    if "text" in activity:
        return str(activity["text"])
    (attachment,) = activity["attachments"]
    blocks = attachment["content"]["body"]
    return "\n\n".join(block["text"] for block in blocks if block["type"] == "TextBlock")


def test_the_words_render_as_exactly_what_was_typed() -> None:
    for words in WORDS:
        page, text = rendered_text(teams_markdown(user_text(words)))
        assert not MARKUP_TAGS.search(page), page
        assert "<b>" not in page and "<http" not in page
        assert text.strip() == words.strip()


def test_our_own_markdown_is_left_alone() -> None:
    assert teams_markdown("**Wat:** " + user_text("**x**")) == "**Wat:** \\*\\*x\\*\\*"


def test_the_opened_signal_shows_the_reporters_words_literally(knowledge: KnowledgeBase) -> None:
    activities = to_activities(adviser_replies(knowledge))
    message = "\n\n".join(card_text(activity) for activity in activities)
    page, text = rendered_text(message)
    assert "<strong>" in page
    for tag in ("<a ", "<img", "<h1", "<code", "<em", "<blockquote", "<ul", "<ol", "<del"):
        assert tag not in page, tag
    for word in (*EVIL.split(" "), "# heading", "> quote", "- item", "1. first", "[Ann](x)"):
        assert word in text, word
    assert "\ue000" not in message and "\ue001" not in message
