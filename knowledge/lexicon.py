"""Stop words, concept synonyms and stemming per language, read from ``knowledge/data``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

import snowballstemmer

from bot.errors import KnowledgeError
from knowledge.normalise import tokenize
from knowledge.scope import Scope, read_scope
from knowledge.toml_file import read_toml

DATA_DIR = Path(__file__).with_name("data")
# The Porter-style Dutch stemmer keeps "melding"/"meld" and "discriminatie" apart
# less aggressively than the newer one ("racisme" → "raac"); both are Snowball.
STEMMERS: Mapping[str, str] = MappingProxyType({"nl": "dutch_porter", "en": "english"})
# Dutch past participles ("gemeld", "gepest") lose their prefix so they meet the
# verb; done on texts and questions alike, so the odd collision stays harmless.
_DUTCH_PARTICIPLE_MIN = 6

Phrase = tuple[str, ...]  # the same shape as knowledge.scope.Phrase


class WordStemmer(Protocol):
    def stemWord(self, word: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Lexicon:
    """What one language needs to turn words into matchable terms."""

    lang: str
    stopwords: frozenset[str]
    # first word of a variant → (variant words, concept words), longest variant first
    concepts: Mapping[str, tuple[tuple[Phrase, Phrase], ...]]
    stemmer: WordStemmer
    first_person: frozenset[str] = frozenset()
    other_person: frozenset[str] = frozenset()
    outsider: frozenset[str] = frozenset()
    spoke_up: frozenset[Phrase] = frozenset()
    worse_off: frozenset[Phrase] = frozenset()
    scope: Scope = field(default_factory=lambda: Scope())

    def replace_concepts(self, words: list[str]) -> list[str]:
        """Replace every known variant (longest first) by its concept's words."""
        result: list[str] = []
        position = 0
        while position < len(words):
            replaced = self._concept_at(words, position)
            if replaced is None:
                result.append(words[position])
                position += 1
            else:
                length, concept = replaced
                result.extend(concept)
                position += length
        return result

    def _concept_at(self, words: list[str], position: int) -> tuple[int, Phrase] | None:
        for variant, concept in self.concepts.get(words[position], ()):
            if tuple(words[position : position + len(variant)]) == variant:
                return len(variant), concept
        return None

    def stem(self, word: str) -> str:
        if (
            self.lang == "nl"
            and len(word) >= _DUTCH_PARTICIPLE_MIN
            and word.startswith("ge")
            and word[2] not in "aeiou"
        ):
            word = word[2:]
        return self.stemmer.stemWord(word)

    def variant_words(self) -> set[str]:
        """Every word that appears in a variant or concept, for typo correction."""
        words: set[str] = set()
        for entries in self.concepts.values():
            for variant, concept in entries:
                words.update(variant)
                words.update(concept)
        return words


def load_lexicons(data_dir: Path = DATA_DIR) -> dict[str, Lexicon]:
    """Read stop words and synonyms for every language that has a stemmer."""
    stopwords = read_toml(data_dir / "stopwords.toml")
    synonyms = read_toml(data_dir / "synonyms.toml")
    cues = read_toml(data_dir / "cues.toml")
    scope = read_toml(data_dir / "scope.toml")
    lexicons: dict[str, Lexicon] = {}
    for lang, stemmer_name in STEMMERS.items():
        words = stopwords.get(lang, "")
        table = synonyms.get(lang, {})
        persons = cues.get(lang, {})
        if not (isinstance(words, str) and isinstance(table, dict) and isinstance(persons, dict)):
            raise KnowledgeError(f"{data_dir}: word lists for {lang!r} are malformed")
        lexicons[lang] = Lexicon(
            lang=lang,
            stopwords=frozenset(tokenize(words)),
            concepts=_concept_table(table, data_dir / "synonyms.toml"),
            stemmer=snowballstemmer.stemmer(stemmer_name),
            first_person=_word_set(persons, "first_person", data_dir / "cues.toml"),
            other_person=_word_set(persons, "other_person", data_dir / "cues.toml"),
            outsider=_word_set(persons, "outsider", data_dir / "cues.toml"),
            spoke_up=_phrase_set(persons, "spoke_up", data_dir / "cues.toml"),
            worse_off=_phrase_set(persons, "worse_off", data_dir / "cues.toml"),
            scope=read_scope(scope.get(lang, {}), data_dir / "scope.toml"),
        )
    return lexicons


def _word_set(table: dict[str, object], key: str, path: Path) -> frozenset[str]:
    words = table.get(key, "")
    if not isinstance(words, str):
        raise KnowledgeError(f"{path}: {key!r} must be a string of words")
    return frozenset(tokenize(words))


def _phrase_set(table: dict[str, object], key: str, path: Path) -> frozenset[Phrase]:
    phrases = table.get(key, [])
    if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
        raise KnowledgeError(f"{path}: {key!r} must be a list of phrases")
    return frozenset(words for phrase in phrases if (words := tuple(tokenize(phrase))))


def _concept_table(
    table: dict[str, object], path: Path
) -> Mapping[str, tuple[tuple[Phrase, Phrase], ...]]:
    by_first: dict[str, list[tuple[Phrase, Phrase]]] = {}
    for concept, variants in table.items():
        if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
            raise KnowledgeError(f"{path}: {concept!r} must be a list of strings")
        concept_words = tuple(tokenize(concept))
        for variant in {concept, *variants}:
            variant_words = tuple(tokenize(variant))
            if variant_words:
                by_first.setdefault(variant_words[0], []).append((variant_words, concept_words))
    return MappingProxyType(
        {
            first: tuple(sorted(entries, key=lambda e: -len(e[0])))
            for first, entries in by_first.items()
        }
    )
