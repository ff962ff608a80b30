"""A reporter's markdown reaches the adviser in Mattermost as the characters they typed."""

from __future__ import annotations

import re

from adapters.mattermost.render import mattermost_markdown, to_posts
from adapters.mattermost.signing import CallbackSigner
from bot.core import user_text
from knowledge.base import KnowledgeBase
from tests.adapters.reporter_markdown import (
    EVIL,
    MARKUP_TAGS,
    WORDS,
    adviser_replies,
    rendered_text,
)

ZWSP = "\u200b"


def mentions_the_server_finds(text: str) -> set[str]:
    # app/mention_parser_standard.go: words are runs of letters, digits and ":.-_@"; a word
    # that starts with "@" (after trimming ":.-_") is a mention.
    words = (word.lstrip(":.-_") for word in re.split(r"[^\w:.\-@]+", text))
    return {word for word in words if word.startswith("@") and len(word) > 1}


def names_the_web_app_links(text: str) -> list[str]:
    # The web app's @mention and ~channel patterns: a sign, then a name of [a-z0-9.\-_].
    return re.findall(r"\B[@~][a-z0-9.\-_]+", text, re.IGNORECASE)


def test_the_words_render_as_exactly_what_was_typed() -> None:
    for words in WORDS:
        source = mattermost_markdown(user_text(words))
        page, text = rendered_text(source)
        assert not MARKUP_TAGS.search(page), page
        assert text.replace(ZWSP, "").strip() == words.strip()


def test_no_mention_or_channel_link_survives() -> None:
    _, text = rendered_text(mattermost_markdown(user_text(EVIL + " _@all jan@example.nl")))
    assert mentions_the_server_finds(text) == set()
    assert names_the_web_app_links(text) == []
    assert "jan@example.nl" in text  # an address stays whole


def test_no_bare_link_is_left_to_preview() -> None:
    _, text = rendered_text(
        mattermost_markdown(user_text("zie http://evil/x.png en mailto:x@evil"))
    )
    assert "http://" not in text and "mailto:" not in text
    assert text.replace(ZWSP, "").strip() == "zie http://evil/x.png en mailto:x@evil"


def test_the_opened_signal_shows_the_reporters_words_literally(knowledge: KnowledgeBase) -> None:
    signer = CallbackSigner(b"k" * 32)
    posts = to_posts(
        adviser_replies(knowledge),
        conversation="dm",
        user="adviser",
        signer=signer,
        actions_url="https://x.example/api/mattermost/actions",
    )
    message = "\n\n".join(post.message for post in posts)
    page, text = rendered_text(message)
    # Our own markup still renders (the bold field names), the reporter's never does.
    assert "<strong>" in page
    for tag in ("<a ", "<img", "<h1", "<code", "<em", "<blockquote", "<ul", "<ol", "<del"):
        assert tag not in page, tag
    visible = text.replace(ZWSP, "")
    for line in (*EVIL.split(" "), "# heading", "> quote", "- item", "1. first", "[Ann](x)"):
        assert line in visible, line
    assert mentions_the_server_finds(text) == set()
    assert "\ue000" not in message and "\ue001" not in message
