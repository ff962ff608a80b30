"""A trained linear model scored by hand: a sparse dot product over the features a message has.

scikit-learn's pipeline scores one message in about two milliseconds (its checks and sparse
matrices are made for many rows at once); the same numbers by hand, over the few dozen
features a question has, take tens of microseconds. A test compares the two on labelled rows.

The model has two feature blocks, both TF-IDF with sublinear counts and an L2 norm per block
(scikit-learn's ``TfidfVectorizer(sublinear_tf=True)``): the analyser's terms, and character
n-grams inside word boundaries (``analyzer="char_wb"``). Character n-grams are a property of
each word alone, so the columns of every word the model can expect (its training texts and
the analyser's known words) are looked up once, when the model is read out; only a word never
seen before is cut into n-grams while someone waits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Columns = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class LetterGrams:
    """Character n-grams from ``shortest`` to ``longest`` letters, words padded with a space."""

    shortest: int
    longest: int

    def of(self, word: str) -> list[str]:
        # scikit-learn's ``_char_wb_ngrams`` for one word, the same n-grams in the same order:
        # a word shorter than an n-gram length is counted once, whole, and longer ones not.
        padded = f" {word} "
        size = len(padded)
        grams: list[str] = []
        for length in range(self.shortest, self.longest + 1):
            grams.extend(
                padded[start : start + length] for start in range(max(size - length, 0) + 1)
            )
            if size <= length:
                break
        return grams


@dataclass(frozen=True, slots=True)
class LanguageModel:
    """Classes, per-column weights (columns × classes) and the two blocks' vocabularies."""

    classes: tuple[str, ...]
    by_column: Any  # numpy array, one row of class weights per feature column
    intercept: Any  # numpy array, one per class
    idf: Any  # numpy array, one weight per column
    term_columns: Mapping[str, int]
    gram_columns: Mapping[str, int]
    grams: LetterGrams
    word_columns: Mapping[str, Columns]  # the n-gram columns of every expected word
    # The three lookups are plain dicts, not read-only views: a view's ``get`` costs twice a
    # dict's, and there are a hundred per message. Nothing outside this module holds them.

    def margins_of(self, text: str, terms: Sequence[str]) -> Any:
        """The margin per class for normalised ``text`` whose analysed terms are ``terms``."""
        found_terms = Counter(
            column for term in terms if (column := self.term_columns.get(term)) is not None
        )
        every_gram: list[int] = []
        for word in text.split():
            known = self.word_columns.get(word)
            every_gram += self._columns(word) if known is None else known
        found_grams = Counter(every_gram)
        # One array for both blocks (numpy's cost here is per call, not per element); each
        # block is scaled to unit length on its own, as each vectoriser does.
        split = len(found_terms)
        count = split + len(found_grams)
        if not count:
            margins = self.intercept
        else:
            columns = np.fromiter((*found_terms, *found_grams), dtype=np.intp, count=count)
            tf = np.fromiter(
                (*found_terms.values(), *found_grams.values()), dtype=np.float64, count=count
            )
            values = (np.log(tf) + 1.0) * self.idf[columns]
            for part in (values[:split], values[split:]):
                norm = float(np.sqrt(part @ part))
                if norm:
                    part /= norm
            margins = values @ self.by_column[columns] + self.intercept
        # With two classes LinearSVC keeps one row, for the second: the first gets minus it.
        return np.concatenate([-margins, margins]) if margins.size == 1 else margins

    def _columns(self, word: str) -> Columns:
        return _known_columns(self.grams.of(word), self.gram_columns)


def read_out(model: Any, words: Iterable[str]) -> LanguageModel:
    """A :class:`LanguageModel` from a fitted ``FeatureUnion`` (terms, letters) + LinearSVC.

    ``words``: the words whose n-gram columns are looked up now rather than per message.
    """
    union, svm = model.steps[0][1], model.steps[1][1]
    (_, terms), (_, letters) = union.transformer_list
    term_columns = {str(term): int(column) for term, column in terms.vocabulary_.items()}
    offset = len(term_columns)
    gram_columns = {str(g): offset + int(c) for g, c in letters.vocabulary_.items()}
    grams = LetterGrams(*letters.ngram_range)
    word_columns = {word: _known_columns(grams.of(word), gram_columns) for word in set(words)}
    return LanguageModel(
        classes=tuple(str(topic) for topic in svm.classes_),
        by_column=np.ascontiguousarray(np.asarray(svm.coef_, dtype=np.float64).T),
        intercept=np.asarray(svm.intercept_, dtype=np.float64),
        idf=np.concatenate([terms.idf_, letters.idf_]).astype(np.float64),
        term_columns=term_columns,
        gram_columns=gram_columns,
        grams=grams,
        word_columns=word_columns,
    )


def _known_columns(grams: list[str], columns: Mapping[str, int]) -> Columns:
    return tuple(column for gram in grams if (column := columns.get(gram)) is not None)
