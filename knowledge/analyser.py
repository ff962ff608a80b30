"""Turn text into stemmed terms of one language, repairing typos and split or joined compounds.

The work on one text is bounded, because every message is analysed inside someone's turn:
tokens longer than any word are ignored, at most :data:`MAX_REPAIRS` words are sent to typo
repair, and at most :data:`MAX_UNKNOWN_STEMS` words outside the known words are stemmed (the
stems of known words are computed once, when the vocabulary is set). Questions are short
(the labelled sets in tests/data have at most 28 words and 6 words to repair), so the bounds
only ever bite on long or hostile messages; topic texts consist of known words only. The
matcher analyses one question up to four times, so words, terms and the stems of unknown
words are remembered (bounded memos) and that work is done once per message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from rapidfuzz import process
from rapidfuzz.distance import OSA

from knowledge.lexicon import Lexicon
from knowledge.memo import BoundedMemo
from knowledge.normalise import tokenize

# Typo repair only for words long enough that one slip still leaves them recognisable
# (five letters: "sent" must not become "vent");
# OSA counts a swap of two neighbouring letters as one edit, the commonest typo.
MIN_CORRECTABLE = 5
LONG_WORD = 8
MIN_COMPOUND_PART = 4
# Longer than any word of the content (the longest, "antidiscriminatievoorziening", has 28
# letters; a test keeps it so): such a token can be neither a word nor a typo of one, and
# repairing it costs time in proportion to its length.
MAX_TOKEN_CHARS = 40
# Each repair is a fuzzy search over the whole vocabulary (about 0.05 ms) and stemming an
# unknown word is pure Python (about 0.02 ms); twice the most that any labelled question
# needs, so only messages far longer than a question reach the limits.
MAX_REPAIRS = 8
MAX_UNKNOWN_STEMS = 16
# Every pass over the words is linear: 2,000 characters of prose are about 350 words, so
# only a message of one- and two-letter "words" reaches this.
MAX_TOKENS = 400
# Enough for the texts of a few dozen turns at once; each entry is one message's words.
MEMO_TEXTS = 64
MEMO_STEMS = 4096


def allowed_edits(word: str) -> int:
    return 2 if len(word) >= LONG_WORD else 1


@dataclass(frozen=True, slots=True)
class Analyser:
    """Words known in this language (``vocabulary``) and in any language (``known``)."""

    lexicon: Lexicon
    vocabulary: frozenset[str] = frozenset()
    known: frozenset[str] = frozenset()
    # Repair candidates by the length of the word to repair: OSA distance is at least the
    # difference in length, so no other word can be close enough (same result, a fifth of
    # the comparisons). Each tuple is in vocabulary order, so ties break as before.
    _candidates: Mapping[int, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({}), repr=False, compare=False
    )
    _known_stems: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}), repr=False, compare=False
    )
    _words_memo: BoundedMemo[str, tuple[str, ...]] = field(
        default_factory=lambda: BoundedMemo(MEMO_TEXTS), repr=False, compare=False
    )
    _terms_memo: BoundedMemo[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(
        default_factory=lambda: BoundedMemo(MEMO_TEXTS), repr=False, compare=False
    )
    _stems_memo: BoundedMemo[str, str] = field(
        default_factory=lambda: BoundedMemo(MEMO_STEMS), repr=False, compare=False
    )

    @classmethod
    def plain(cls, lexicon: Lexicon) -> Analyser:
        """An analyser that repairs nothing: for the topic texts themselves."""
        return cls(lexicon)

    def with_vocabulary(self, vocabulary: set[str], known: set[str]) -> Analyser:
        content = frozenset(vocabulary | self.lexicon.stopwords | self.lexicon.variant_words())
        every_known = frozenset(known | content)
        return Analyser(
            lexicon=self.lexicon,
            vocabulary=content,
            known=every_known,
            # A typo is only ever repaired into a content word: "morgen" read as the
            # stop word "mogen" would turn chatter into a question about nothing.
            _candidates=_candidates_by_length(sorted(content - self.lexicon.stopwords)),
            # A plain dict, not a read-only view: looked up once per word of every message,
            # and a view's ``get`` costs twice a dict's. Nothing outside this class holds it.
            _known_stems={w: self.lexicon.stem(w) for w in every_known},
        )

    def words(self, text: str) -> list[str]:
        """Normalised words with compounds and typos repaired, before concepts and stemming."""
        return list(self._words_memo.get(text, self._analyse_words))

    def _analyse_words(self, text: str) -> tuple[str, ...]:
        tokens = [token for token in tokenize(text) if len(token) <= MAX_TOKEN_CHARS]
        del tokens[MAX_TOKENS:]
        repaired: list[str] = []
        budget = MAX_REPAIRS
        for word in self._join_compounds(tokens):
            if budget and self._repairable(word):
                budget -= 1
                repaired.extend(self._repair(word))
            else:
                repaired.append(word)
        return tuple(repaired)

    def terms(self, text: str, *, keep_stopwords: bool = False) -> list[str]:
        """The stemmed terms of ``text``, stop words only when asked for."""
        every, content = self._terms_memo.get(text, self._analyse_terms)
        return list(every if keep_stopwords else content)

    def _analyse_terms(self, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        # Both readings at once: the matcher wants the content terms, the classifier all.
        # Stop words are known words (their stems were computed with the vocabulary), so
        # dropping them never changes which unknown words fall within the stemming bound.
        concepts = self.lexicon.replace_concepts(self.words(text))
        stopwords = self.lexicon.stopwords
        every: list[str] = []
        content: list[str] = []
        unknown = 0
        for word in concepts:
            stem = self._known_stems.get(word)
            if stem is None:
                unknown += 1
                # The plain analyser (no vocabulary) reads topic texts: all of them counts.
                if self.vocabulary and unknown > MAX_UNKNOWN_STEMS:
                    continue
                stem = self._stems_memo.get(word, self.lexicon.stem)
            every.append(stem)
            if word not in stopwords:
                content.append(stem)
        return tuple(every), tuple(content)

    def query_terms(self, text: str) -> list[str]:
        """Content terms, or every term when the text is nothing but stop words ("wat kun jij")."""
        return self.terms(text) or self.terms(text, keep_stopwords=True)

    def _repairable(self, word: str) -> bool:
        return bool(self.vocabulary) and word not in self.known and len(word) >= MIN_CORRECTABLE

    def _repair(self, word: str) -> list[str]:
        parts = self._split_compound(word)
        if parts:
            return parts
        candidates = self._candidates.get(len(word), ())
        found = process.extractOne(
            word, candidates, scorer=OSA.distance, score_cutoff=allowed_edits(word)
        )
        return [found[0]] if found else [word]

    def _split_compound(self, word: str) -> list[str]:
        # "discriminatiemelding" → "discriminatie" "melding"; Dutch glues words together.
        if len(word) < 2 * MIN_COMPOUND_PART + 2:
            return []
        for cut in range(len(word) - MIN_COMPOUND_PART, MIN_COMPOUND_PART - 1, -1):
            head, tail = word[:cut], word[cut:]
            if self._is_content(tail):
                for candidate in (head, head.removesuffix("s"), head.removesuffix("en")):
                    if self._is_content(candidate):
                        return [candidate, tail]
        return []

    def _join_compounds(self, words: list[str]) -> list[str]:
        # "vertrouwens persoon" → "vertrouwenspersoon" when the glued word is known.
        joined: list[str] = []
        position = 0
        while position < len(words):
            pair = "".join(words[position : position + 2])
            if position + 1 < len(words) and pair in self.vocabulary and self._is_content(pair):
                joined.append(pair)
                position += 2
            else:
                joined.append(words[position])
                position += 1
        return joined

    def _is_content(self, word: str) -> bool:
        return (
            len(word) >= MIN_COMPOUND_PART
            and word in self.vocabulary
            and word not in self.lexicon.stopwords
        )


def _candidates_by_length(vocabulary: list[str]) -> Mapping[int, tuple[str, ...]]:
    return MappingProxyType(
        {
            length: tuple(
                w for w in vocabulary if abs(len(w) - length) <= allowed_edits("x" * length)
            )
            for length in range(MIN_CORRECTABLE, MAX_TOKEN_CHARS + 1)
        }
    )
