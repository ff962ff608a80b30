"""Tell Dutch from English by stop words, known words and letter trigrams; say so when unsure."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from knowledge.normalise import tokenize


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORD_VOTE = 2.0
WORD_VOTE = 1.0
# Trigram evidence per word is capped so one odd word cannot outvote the rest.
TRIGRAM_CAP = 1.0
MIN_MARGIN = 1.0
# A conversation changes language only on a whole message clearly in the other one (issue 11:
# one "sorry" switched a Dutch conversation): enough words, a strong margin, and most words
# on that side. Courtesy loanwords ("sorry", "ok", "thanks") are no words of either language.
MIN_CLEAR_WORDS = 3
CLEAR_MARGIN = 3.0
CLEAR_SHARE = 0.5  # at least this share of the counted words lean to the language
DECIDED_VOTE = 0.25  # a word whose vote is smaller leans neither way
LOANWORDS = _words(
    """
    sorry ok okay oke oké thanks thank thx please pls plz hi hello hey bye yes yeah yep no nope
    sure cool nice great fine super top wow lol oops sowieso
    """
)


@dataclass(frozen=True, slots=True)
class LanguageProfile:
    lang: str
    stopwords: frozenset[str]
    words: frozenset[str]
    trigrams: Mapping[str, float]  # log probability of a letter trigram
    unseen: float  # log probability of a trigram never seen


def build_profile(lang: str, stopwords: Iterable[str], texts: Iterable[str]) -> LanguageProfile:
    """A profile from sample texts in ``lang`` (the topic texts are plenty)."""
    words: set[str] = set()
    counts: Counter[str] = Counter()
    for text in texts:
        for word in tokenize(text):
            words.add(word)
            counts.update(_trigrams(word))
    stops = frozenset(stopwords)
    for word in stops:
        counts.update(_trigrams(word))
    total = sum(counts.values()) + len(counts) + 1
    return LanguageProfile(
        lang=lang,
        stopwords=stops,
        words=frozenset(words | stops),
        trigrams=MappingProxyType({t: math.log((c + 1) / total) for t, c in counts.items()}),
        unseen=math.log(1 / total),
    )


@dataclass(frozen=True, slots=True)
class LanguageDetector:
    """Chooses between exactly two languages, or neither."""

    first: LanguageProfile
    second: LanguageProfile

    def detect(self, text: str) -> str | None:
        """``first.lang``, ``second.lang`` or None when the evidence is too thin or mixed."""
        margin = sum(self._vote(word) for word in tokenize(text) if not word.isdigit())
        if margin >= MIN_MARGIN:
            return self.first.lang
        if margin <= -MIN_MARGIN:
            return self.second.lang
        return None

    def clearly(self, text: str) -> str | None:
        """The language a whole message is clearly written in, or None."""
        votes = [
            self._vote(word)
            for word in tokenize(text)
            if not word.isdigit() and word not in LOANWORDS
        ]
        if len(votes) < MIN_CLEAR_WORDS:
            return None
        margin = sum(votes)
        sign = 1.0 if margin > 0 else -1.0
        leaning = sum(1 for vote in votes if vote * sign >= DECIDED_VOTE)
        opposing = sum(1 for vote in votes if vote * sign <= -DECIDED_VOTE)
        if abs(margin) < CLEAR_MARGIN or leaning < CLEAR_SHARE * len(votes):
            return None
        if leaning <= opposing:
            return None
        return self.first.lang if sign > 0 else self.second.lang

    def _vote(self, word: str) -> float:
        """Positive for the first language, negative for the second."""
        first, second = self.first, self.second
        if word in first.stopwords and word not in second.words:
            return STOPWORD_VOTE
        if word in second.stopwords and word not in first.words:
            return -STOPWORD_VOTE
        vote = 0.0
        if word in first.words and word not in second.words:
            vote += WORD_VOTE
        elif word in second.words and word not in first.words:
            vote -= WORD_VOTE
        return vote + self._trigram_vote(word)

    def _trigram_vote(self, word: str) -> float:
        grams = _trigrams(word)
        if not grams:
            return 0.0
        first = sum(self.first.trigrams.get(g, self.first.unseen) for g in grams)
        second = sum(self.second.trigrams.get(g, self.second.unseen) for g in grams)
        per_gram = (first - second) / len(grams)
        return max(-TRIGRAM_CAP, min(TRIGRAM_CAP, per_gram))


def _trigrams(word: str) -> list[str]:
    padded = f" {word} "
    return [padded[i : i + 3] for i in range(len(padded) - 2)] if len(word) >= 2 else []
