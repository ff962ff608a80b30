"""The analyser's work on one message is bounded, however long or strange the message.

Counted at the far side, not timed: calls into rapidfuzz (typo repair) and into the Snowball
stemmer. A 2,000-character message (the longest the router accepts) must cost a bounded
number of each, while normal questions are analysed as before.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from rapidfuzz import process

from knowledge.analyser import (
    MAX_REPAIRS,
    MAX_TOKEN_CHARS,
    MAX_TOKENS,
    MAX_UNKNOWN_STEMS,
    Analyser,
)
from knowledge.base import KnowledgeBase
from knowledge.lexicon import Lexicon, WordStemmer, load_lexicons
from knowledge.matcher import Matcher

MESSAGE_CHARS = 2000
# The matcher analyses a question in its own language and, for the words that language does
# not know, in the other one; repeated analyses of the same text are remembered.
ANALYSES_PER_MATCH = 2


@dataclass
class CountingStemmer:
    inner: WordStemmer
    calls: int = 0

    def stemWord(self, word: str) -> str:
        self.calls += 1
        return self.inner.stemWord(word)


@dataclass
class RepairCounter:
    calls: int = 0


@pytest.fixture
def repairs(monkeypatch: pytest.MonkeyPatch) -> Iterator[RepairCounter]:
    counter = RepairCounter()
    real = process.extractOne

    def counting(*args: Any, **kwargs: Any) -> Any:
        counter.calls += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(process, "extractOne", counting)
    yield counter


def _counting(lexicon: Lexicon) -> tuple[Lexicon, CountingStemmer]:
    stemmer = CountingStemmer(lexicon.stemmer)
    return replace(lexicon, stemmer=stemmer), stemmer


def _message(words: Iterator[str]) -> str:
    text = ""
    while len(text) < MESSAGE_CHARS:
        text += next(words) + " "
    return text[:MESSAGE_CHARS]


def _random_words(rng: random.Random) -> Iterator[str]:
    while True:
        yield "".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 12)))


def _near_misses(rng: random.Random, vocabulary: list[str]) -> Iterator[str]:
    """Vocabulary words with two neighbouring letters swapped: each one worth repairing."""
    while True:
        word = rng.choice(vocabulary)
        cut = rng.randrange(len(word) - 1)
        yield word[:cut] + word[cut + 1] + word[cut] + word[cut + 2 :]


def worst_cases(vocabulary: list[str]) -> dict[str, str]:
    rng = random.Random(2026)
    long_words = [w for w in vocabulary if len(w) >= 6]
    return {
        "random words": _message(_random_words(rng)),
        "near-miss typos": _message(_near_misses(rng, long_words)),
        "one long token": "x" * MESSAGE_CHARS,
        # As long as a token may be, glued from topic words: compound splitting and
        # repair both try them.
        "long tokens": _message(
            (rng.choice(long_words) * 8)[:MAX_TOKEN_CHARS] for _ in iter(int, 1)
        ),
        "one-letter tokens": "a " * (MESSAGE_CHARS // 2),
    }


@pytest.fixture
def counted(knowledge: KnowledgeBase) -> tuple[Matcher, dict[str, CountingStemmer]]:
    """The shipped topics matched with stemmers that count; built anew, so nothing is
    remembered from another test."""
    lexicons = {}
    stemmers = {}
    for lang, entry in knowledge.matcher.languages.items():
        lexicons[lang], stemmers[lang] = _counting(entry.analyser.lexicon)
    topics = knowledge.topics_by_key.values()
    matcher = Matcher.build(topics, lexicons)
    # Training reads every labelled question once; what is bounded is the work per message.
    matcher.warm()
    return matcher, stemmers


@pytest.fixture
def analysers(knowledge: KnowledgeBase) -> dict[str, tuple[Analyser, CountingStemmer]]:
    """The shipped analysers with stemmers that count, without building an index."""
    found = {}
    for lang, entry in knowledge.matcher.languages.items():
        lexicon, stemmer = _counting(entry.analyser.lexicon)
        analyser = Analyser.plain(lexicon).with_vocabulary(
            set(entry.analyser.vocabulary), set(entry.analyser.known)
        )
        stemmer.calls = 0
        found[lang] = (analyser, stemmer)
    return found


def _vocabulary(analyser: Analyser) -> list[str]:
    return sorted(w for w in analyser.vocabulary if len(w) >= 6)


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize(
    "case",
    ["random words", "near-miss typos", "one long token", "long tokens", "one-letter tokens"],
)
def test_one_analysis_does_bounded_work(
    analysers: dict[str, tuple[Analyser, CountingStemmer]],
    repairs: RepairCounter,
    lang: str,
    case: str,
) -> None:
    analyser, stemmer = analysers[lang]
    analyser.terms(worst_cases(_vocabulary(analyser))[case])
    assert repairs.calls <= MAX_REPAIRS
    assert stemmer.calls <= MAX_UNKNOWN_STEMS


@pytest.mark.parametrize(
    "case",
    ["random words", "near-miss typos", "one long token", "long tokens", "one-letter tokens"],
)
def test_a_whole_match_does_bounded_work(
    counted: tuple[Matcher, dict[str, CountingStemmer]], repairs: RepairCounter, case: str
) -> None:
    matcher, stemmers = counted
    text = worst_cases(_vocabulary(matcher.languages["nl"].analyser))[case]
    for stemmer in stemmers.values():
        stemmer.calls = 0
    matcher.match(text, "nl")
    assert repairs.calls <= ANALYSES_PER_MATCH * MAX_REPAIRS
    assert sum(s.calls for s in stemmers.values()) <= ANALYSES_PER_MATCH * MAX_UNKNOWN_STEMS


def test_analysing_the_same_text_again_does_no_work_again(
    analysers: dict[str, tuple[Analyser, CountingStemmer]], repairs: RepairCounter
) -> None:
    analyser, stemmer = analysers["nl"]
    text = worst_cases(_vocabulary(analyser))["near-miss typos"]
    first = analyser.terms(text)
    done = (repairs.calls, stemmer.calls)
    assert done[0] > 0 and done[1] > 0
    assert analyser.terms(text) == first
    assert analyser.query_terms(text) == first
    assert (repairs.calls, stemmer.calls) == done


def test_a_message_of_tiny_words_is_read_up_to_the_token_bound(
    analysers: dict[str, tuple[Analyser, CountingStemmer]],
) -> None:
    analyser, _ = analysers["nl"]
    assert len(analyser.words("q " * (MESSAGE_CHARS // 2))) == MAX_TOKENS


def test_tokens_longer_than_any_word_are_ignored(
    analysers: dict[str, tuple[Analyser, CountingStemmer]], repairs: RepairCounter
) -> None:
    analyser, stemmer = analysers["nl"]
    assert max(len(word) for word in analyser.vocabulary) < MAX_TOKEN_CHARS
    assert analyser.words("melding " + "x" * (MAX_TOKEN_CHARS + 1)) == ["melding"]
    assert repairs.calls == 0 and stemmer.calls == 0


def test_a_short_question_is_still_repaired_in_full() -> None:
    nl = Analyser.plain(load_lexicons()["nl"]).with_vocabulary(
        {"vertrouwenspersoon", "discriminatie", "melding", "leidinggevende"}, set()
    )
    assert nl.words("vertrouwenspesoon discrimnatie meldng leidinggevnde") == [
        "vertrouwenspersoon",
        "discriminatie",
        "melding",
        "leidinggevende",
    ]
