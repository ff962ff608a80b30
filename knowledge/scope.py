"""What a message asks besides a topic: help alone, an everyday matter, one section of a topic.

Read from ``knowledge/data/scope.toml``, one table per language; see that file for the why.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from bot.errors import KnowledgeError
from knowledge.normalise import normalise, tokenize

Phrase = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Scope:
    """Per language: whole messages that ask for help, out-of-scope phrases, section cues."""

    help_alone: frozenset[str] = frozenset()
    out_of_scope: frozenset[Phrase] = frozenset()
    behaviour: tuple[str, ...] = ()  # beginnings of words
    # topic id → section key → phrases that ask for that section
    sections: Mapping[str, Mapping[str, frozenset[Phrase]]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def asks_help(self, text: str) -> bool:
        """True for a message that is nothing but "help", "menu", "?" and the like."""
        return (normalise(text) or text.strip()) in self.help_alone

    def everyday_words(self, words: list[str]) -> int:
        """How many out-of-scope phrases the message's words contain."""
        return count_phrases(words, self.out_of_scope)

    def names_behaviour(self, words: list[str]) -> bool:
        """True when a word is one of unwanted behaviour or its grounds ("racist", "hit")."""
        return any(word.startswith(self.behaviour) for word in words)

    def section(self, topic: str, words: list[str]) -> str:
        """The key of the section of ``topic`` the words ask for, or empty."""
        for key, phrases in self.sections.get(topic, {}).items():
            if count_phrases(words, phrases):
                return key
        return ""


def count_phrases(words: list[str], phrases: frozenset[Phrase]) -> int:
    """How many of ``phrases`` occur in ``words`` as whole words (each counted once)."""
    by_first = _by_first_word(phrases)
    found: set[Phrase] = set()
    for start, word in enumerate(words):
        for phrase in by_first.get(word, ()):
            if len(phrase) == 1 or tuple(words[start : start + len(phrase)]) == phrase:
                found.add(phrase)
    return len(found)


def contains_phrase(words: list[str], phrases: frozenset[Phrase]) -> bool:
    """True when one of ``phrases`` occurs in ``words`` as whole words."""
    by_first = _by_first_word(phrases)
    return any(
        len(phrase) == 1 or tuple(words[start : start + len(phrase)]) == phrase
        for start, word in enumerate(words)
        for phrase in by_first.get(word, ())
    )


# Once per phrase list, not once per message: a frozenset keeps its hash, so this is cheap.
# A message is read word by word, each word looking up only the phrases it can begin, rather
# than cutting the message into every slice of every phrase length.
@functools.cache
def _by_first_word(phrases: frozenset[Phrase]) -> Mapping[str, tuple[Phrase, ...]]:
    by_first: dict[str, list[Phrase]] = {}
    for phrase in phrases:
        if phrase:
            by_first.setdefault(phrase[0], []).append(phrase)
    return MappingProxyType({word: tuple(found) for word, found in by_first.items()})


def read_scope(table: object, path: Path) -> Scope:
    """One language's table of ``scope.toml``; a malformed entry names the file."""
    if not isinstance(table, dict):
        raise KnowledgeError(f"{path}: a language must be a table")
    sections = table.get("sections", {})
    if not isinstance(sections, dict) or not all(isinstance(v, dict) for v in sections.values()):
        raise KnowledgeError(f"{path}: 'sections' must hold a table per topic")
    return Scope(
        help_alone=frozenset(
            normalise(text) or text.strip() for text in _texts(table, "help_alone", path)
        ),
        out_of_scope=_phrases(table, "out_of_scope", path),
        behaviour=tuple(normalise(text) for text in _texts(table, "behaviour", path)),
        sections=MappingProxyType(
            {
                topic: MappingProxyType({key: _phrases(cues, key, path) for key in cues})
                for topic, cues in sections.items()
            }
        ),
    )


def _texts(table: Mapping[str, object], key: str, path: Path) -> list[str]:
    texts = table.get(key, [])
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise KnowledgeError(f"{path}: {key!r} must be a list of phrases")
    return texts


def _phrases(table: Mapping[str, object], key: str, path: Path) -> frozenset[Phrase]:
    return frozenset(words for text in _texts(table, key, path) if (words := tuple(tokenize(text))))
