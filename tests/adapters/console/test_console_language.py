"""The terminal: the first language from the environment's locale, and the language rules."""

from __future__ import annotations

import io

import pytest

from adapters.console import ConsoleChannel
from adapters.console.locale import locale_from_environment
from bot.app import Services
from dialogs.messages import Messages

MESSAGES = Messages.load()

SWITCHED_EN = "continue in English"
SWITCHED_NL = "verder in het Nederlands"


async def converse(services: Services, script: str, locale: str | None) -> str:
    out = io.StringIO()
    channel = ConsoleChannel(services.conversations, io.StringIO(script), out, locale=locale)
    await channel.run()
    return out.getvalue()


@pytest.mark.parametrize(
    ("environ", "locale"),
    [
        ({"LANG": "en_US.UTF-8"}, "en_US.UTF-8"),
        ({"LANG": "nl_NL.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en_GB.UTF-8"),
        ({"LANG": "nl_NL.UTF-8", "LC_ALL": "en_GB.UTF-8", "LC_MESSAGES": "de"}, "en_GB.UTF-8"),
        ({"LANGUAGE": "en:nl", "LANG": "nl_NL.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, None),
        ({"LANG": "POSIX"}, None),
        ({}, None),
    ],
)
def test_the_terminal_locale_follows_posix_precedence(
    environ: dict[str, str], locale: str | None
) -> None:
    assert locale_from_environment(environ) == locale


@pytest.mark.parametrize(
    ("environ", "greeting"),
    [({"LANG": "en_US.UTF-8"}, "en"), ({"LANG": "de_DE.UTF-8"}, "nl"), ({}, "nl")],
)
async def test_the_first_language_is_the_locale_only_when_dutch_or_english(
    services: Services, environ: dict[str, str], greeting: str
) -> None:
    out = await converse(services, "", locale_from_environment(environ))
    assert MESSAGES.text(greeting, "menu.welcome")[:30] in out


async def test_single_words_keep_the_language_and_requests_change_it(services: Services) -> None:
    script = "sorry\nok\ncan you speak English?\nsorry\nkun je Nederlands?\nthanks\n"
    out = await converse(services, script, "nl")
    assert out.count(SWITCHED_EN) == 1 and out.count(SWITCHED_NL) == 1
    assert out.index(SWITCHED_EN) < out.index(SWITCHED_NL)
    # "sorry" and "ok" got Dutch answers before the request, "sorry" an English one after it.
    dutch_part, rest = out.split(SWITCHED_EN)
    english_part, last_part = rest.split(SWITCHED_NL)
    assert MESSAGES.text("en", "menu.fallback") not in dutch_part + last_part
    assert MESSAGES.text("nl", "menu.fallback") not in english_part


async def test_danger_now_in_the_terminal_is_crisis(services: Services) -> None:
    out = await converse(services, "ik ben bang om naar huis te gaan\n", "nl")
    assert "112" in out
