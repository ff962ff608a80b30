"""Turn text into stemmed terms of one language, repairing typos and split or joined compounds."""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from knowledge.lexicon import Lexicon
from knowledge.normalise import tokenize

# Typo repair only for words long enough that one slip still leaves them recognisable
# (five letters: "sent" must not become "vent");
# OSA counts a swap of two neighbouring letters as one edit, the commonest typo.
MIN_CORRECTABLE = 5
LONG_WORD = 8
MIN_COMPOUND_PART = 4


def allowed_edits(word: str) -> int:
    return 2 if len(word) >= LONG_WORD else 1


@dataclass(frozen=True, slots=True)
class Analyser:
    """Words known in this language (``vocabulary``) and in any language (``known``)."""

    lexicon: Lexicon
    vocabulary: frozenset[str] = frozenset()
    known: frozenset[str] = frozenset()
    _sorted_vocabulary: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def plain(cls, lexicon: Lexicon) -> Analyser:
        """An analyser that repairs nothing: for the topic texts themselves."""
        return cls(lexicon)

    def with_vocabulary(self, vocabulary: set[str], known: set[str]) -> Analyser:
        content = frozenset(vocabulary | self.lexicon.stopwords | self.lexicon.variant_words())
        return Analyser(
            lexicon=self.lexicon,
            vocabulary=content,
            known=frozenset(known | content),
            # A typo is only ever repaired into a content word: "morgen" read as the
            # stop word "mogen" would turn chatter into a question about nothing.
            _sorted_vocabulary=tuple(sorted(content - self.lexicon.stopwords)),
        )

    def words(self, text: str) -> list[str]:
        """Normalised words with compounds and typos repaired, before concepts and stemming."""
        words = self._join_compounds(tokenize(text))
        repaired: list[str] = []
        for word in words:
            repaired.extend(self._repair(word))
        return repaired

    def terms(self, text: str, *, keep_stopwords: bool = False) -> list[str]:
        """The stemmed terms of ``text``, stop words only when asked for."""
        concepts = self.lexicon.replace_concepts(self.words(text))
        stopwords = () if keep_stopwords else self.lexicon.stopwords
        return [self.lexicon.stem(word) for word in concepts if word not in stopwords]

    def query_terms(self, text: str) -> list[str]:
        """Content terms, or every term when the text is nothing but stop words ("wat kun jij")."""
        return self.terms(text) or self.terms(text, keep_stopwords=True)

    def _repair(self, word: str) -> list[str]:
        if not self.vocabulary or word in self.known or len(word) < MIN_CORRECTABLE:
            return [word]
        parts = self._split_compound(word)
        if parts:
            return parts
        found = process.extractOne(
            word, self._sorted_vocabulary, scorer=OSA.distance, score_cutoff=allowed_edits(word)
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
