"""A conversation's first language is the platform's locale when Dutch or English, else Dutch."""

from __future__ import annotations

import pytest

from bot.app import Services
from bot.core import Channel, Incoming, Kind

LOCALES = [
    ("nl-NL", "nl"),
    ("nl_BE", "nl"),
    ("en-US", "en"),
    ("EN", "en"),
    ("de-DE", "nl"),
    ("fr", "nl"),
    ("tr-TR", "nl"),
    ("", "nl"),
    (None, "nl"),
]


@pytest.mark.parametrize("channel", list(Channel))
async def test_every_channel_starts_in_the_locale_only_when_dutch_or_english(
    services: Services, channel: Channel
) -> None:
    for number, (locale, lang) in enumerate(LOCALES):
        start = Incoming(channel, f"start-{number}", Kind.START, locale=locale)
        replies = await services.conversations.handle(start)
        assert {reply.lang for reply in replies} == {lang}, locale
        # A single word afterwards keeps that language.
        ok = Incoming(channel, f"start-{number}", Kind.TEXT, locale=locale, text="ok")
        replies = await services.conversations.handle(ok)
        assert {reply.lang for reply in replies} == {lang}, locale


async def test_a_first_message_without_a_start_uses_the_locale_too(services: Services) -> None:
    for number, (locale, lang) in enumerate(LOCALES):
        first = Incoming(Channel.TEAMS, f"text-{number}", Kind.TEXT, locale=locale, text="sorry")
        replies = await services.conversations.handle(first)
        assert {reply.lang for reply in replies} == {lang}, locale
