"""The C stemmer (PyStemmer) that snowballstemmer uses when it is installed stems exactly as
the pure-Python one: a replica without it would answer the same, only slower."""

from __future__ import annotations

import snowballstemmer
from snowballstemmer.dutch_porter_stemmer import DutchPorterStemmer
from snowballstemmer.english_stemmer import EnglishStemmer

from knowledge.base import KnowledgeBase
from knowledge.lexicon import STEMMERS

PURE_PYTHON = {"dutch_porter": DutchPorterStemmer, "english": EnglishStemmer}


def test_the_stemmer_in_use_is_the_c_one() -> None:
    # PyStemmer is a pinned dependency: training the classifier stems every labelled word.
    assert type(snowballstemmer.stemmer("english")).__module__ == "Stemmer"


def test_the_c_stemmer_stems_the_whole_vocabulary_as_pure_python_does(
    shipped_kb: KnowledgeBase,
) -> None:
    for lang, name in STEMMERS.items():
        words = sorted(shipped_kb.matcher.languages[lang].analyser.known)
        assert len(words) > 1000
        used, pure = snowballstemmer.stemmer(name), PURE_PYTHON[name]()
        assert [used.stemWord(word) for word in words] == [pure.stemWord(w) for w in words]
