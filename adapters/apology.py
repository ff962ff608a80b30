"""The one apology a chat channel sends when a turn fails unexpectedly.

Written here, not in the core's texts, because it is what a channel says when the core
itself has failed: it must not depend on anything the failure may have broken.
"""

from __future__ import annotations

from bot.core import DEFAULT_LANGUAGE, Reply, language_of

APOLOGY = {
    "nl": "Sorry, er ging iets mis aan mijn kant. Probeer het over een paar minuten opnieuw.",
    "en": "Sorry, something went wrong on my side. Please try again in a few minutes.",
}


def apology(locale: str | None) -> Reply:
    """The apology in the language of the platform's ``locale`` (Dutch when unknown)."""
    lang = language_of(locale) or DEFAULT_LANGUAGE
    return Reply(text=APOLOGY[lang], lang=lang)
