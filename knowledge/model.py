"""Values of the knowledge base: topics, their sections and sources, and match results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

TOPIC_IDS: tuple[str, ...] = (
    "options",
    "confidential-adviser",
    "complaint",
    "integrity",
    "manager-hr",
    "human-rights-college",
    "discrimination-agency",
    "police",
    "whistleblower",
    "bystander",
    "signal",
    "follow-up",
    "crisis",
    "definitions",
    "privacy",
    "third-party",
    "support",
    "help",
    "fallback",
    "retaliation",
    "for-managers",
    "legal-help",
)

FALLBACK_TOPIC = "fallback"
# "Bedoel je ...?" offers the best topic and at most two more: more buttons than that
# is a menu, not a question.
MAX_CHOICES = 3

ROUTE_TOPICS: tuple[str, ...] = (
    "confidential-adviser",
    "manager-hr",
    "complaint",
    "integrity",
    "human-rights-college",
    "discrimination-agency",
    "police",
    "whistleblower",
    "third-party",
    "support",
)
ROUTE_SECTIONS: tuple[str, ...] = ("does", "does-not", "confidential", "next")

REQUIRED_SECTIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        **{topic: ROUTE_SECTIONS for topic in ROUTE_TOPICS},
        "bystander": (
            "danger",
            "distract",
            "delegate",
            "document",
            "delay",
            "direct",
            "afterwards",
            "witness",
        ),
        "crisis": ("danger", "suicide", "support"),
        "privacy": ("levels", "platform", "webchat", "data", "rights"),
        "signal": ("levels", "harder", "how"),
    }
)


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    url: str
    checked: date


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    heading: str
    text: str


@dataclass(frozen=True, slots=True)
class Topic:
    """One topic in one language, placeholders already filled in."""

    id: str
    lang: str
    title: str
    summary: str
    intro: str
    examples: tuple[str, ...]
    keywords: tuple[str, ...]
    related: tuple[str, ...]
    sources: tuple[Source, ...]
    checked: date
    sections: Mapping[str, Section] = field(default_factory=lambda: MappingProxyType({}))
    routes: tuple[str, ...] = ()
    origin: str = "shipped"  # "shipped" or "overlay"

    def section(self, key: str) -> Section:
        return self.sections[key]


@dataclass(frozen=True, slots=True)
class Scored:
    topic: str
    score: float


@dataclass(frozen=True, slots=True)
class Match:
    """The matcher's choice for one utterance, with the reasons to trust it or not.

    ``confident``: the bot answers ``topic``. Not confident and ``topic`` is ``fallback``:
    the bot shows its menu and guesses nothing. Not confident with a real topic: the bot
    asks "did you mean ...?" with :attr:`choices`, and ``alternatives`` then hold only
    topics it can offer. ``section`` is the key of the one section of ``topic`` that
    answers the question by itself ("I lost my code"), or empty.
    """

    text: str
    lang: str
    topic: str
    score: float
    confident: bool
    alternatives: tuple[Scored, ...] = ()
    section: str = ""

    @property
    def asks(self) -> bool:
        """True when the bot asks which topic is meant instead of answering."""
        return not self.confident and self.topic != FALLBACK_TOPIC

    @property
    def choices(self) -> tuple[str, ...]:
        """The topics a clarifying question offers, best first; empty when it does not ask."""
        if not self.asks:
            return ()
        return (self.topic, *(alt.topic for alt in self.alternatives[: MAX_CHOICES - 1]))
