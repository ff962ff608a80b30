"""A linear topic classifier, trained when the knowledge base loads, to blend with BM25.

BM25 knows only the words a topic's texts use; people tell stories in other words. A linear
support vector machine (scikit-learn's LinearSVC) learns from the topics' own examples and
from labelled questions (the files in ``knowledge/data/labelled``), on two kinds of features: the
analyser's stemmed terms (typos repaired, synonyms read as concepts) and character n-grams of
the normalised text, which catch typos and compounds the word list does not know. Its margins
become a share per topic id (a softmax, ``fallback`` = out of scope or chatter included):
not a calibrated probability, but a number in 0..1 whose thresholds the matcher chose on
cross-validated shares. LinearSVC trains in about 0.1 s per language; a logistic regression
on the same features took seconds (lbfgs) and calibration by cross-validation over a second.

Training is done once per set of training texts: loading the same knowledge base again (tests,
a reload) reuses the trained model. It takes about three seconds for the 4,800 labelled
questions, so the matcher trains on first use (:class:`TrainedOnFirstUse`): commands that never
match a message (the adviser desk, migrations) do not wait for it, and ``serve`` and ``chat``
train before they take the first message.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from bot.errors import KnowledgeError
from knowledge.analyser import Analyser
from knowledge.memo import BoundedMemo
from knowledge.model import Topic
from knowledge.normalise import normalise
from knowledge.sparse_model import LanguageModel, read_out

if TYPE_CHECKING:
    from sklearn.pipeline import FeatureUnion
    from sklearn.svm import LinearSVC

LABELLED = Path(__file__).with_name("data") / "labelled"
# The classifier reads at most this much of a message: character n-grams and terms cost
# time in proportion to the text, and the first lines of a story say what it is about. The
# longest labelled question has about 250 characters and 45 words. The terms come from the
# analyser's (bounded, remembered) reading of the whole message, which the matcher has
# already done, so they cost nothing more.
MAX_CHARS = 600
MAX_TERMS = 100
# Character n-grams inside word boundaries: 3 to 5 letters survive one typo in a long word.
CHAR_NGRAMS = (3, 5)
# LinearSVC's default regularisation; the margins are multiplied by SHARPNESS before the
# softmax, so a clear winner (margin about 1 above the rest) gets most of the share.
INVERSE_REGULARISATION = 1.0
SHARPNESS = 3.0
# Distinct training sets remembered: the shipped content, and an overlay or two in tests.
TRAINED_MODELS = 4

Row = tuple[str, str, str]  # (lang, topic id, text)


@dataclass(frozen=True, slots=True)
class TopicClassifier:
    """One trained model per language; :meth:`probabilities` is cheap and pure."""

    models: Mapping[str, LanguageModel]

    def probabilities(self, text: str, lang: str, analyser: Analyser) -> dict[str, float]:
        """Share per topic id for ``text``; empty for a language without a model."""
        model = self.models.get(lang)
        if model is None or not text.strip():
            return {}
        terms = analyser.terms(text, keep_stopwords=True)[:MAX_TERMS]
        margins = model.margins_of(normalise(text)[:MAX_CHARS], terms) * SHARPNESS
        shares = np.exp(margins - margins.max())
        shares /= shares.sum()
        return {topic: float(p) for topic, p in zip(model.classes, shares, strict=True)}


_TRAINED: BoundedMemo[tuple[tuple[Row, ...], frozenset[str]], TopicClassifier] = BoundedMemo(
    TRAINED_MODELS
)


def train(
    topics: Iterable[Topic], analysers: Mapping[str, Analyser], labelled: Iterable[Row] = ()
) -> TopicClassifier:
    """A model per language from the topics' examples and titles and the labelled rows."""
    rows: list[Row] = []
    for topic in topics:
        rows.extend((topic.lang, topic.id, text) for text in (topic.title, *topic.examples))
    rows.extend(labelled)
    vocabulary = frozenset().union(*(a.vocabulary for a in analysers.values()))
    key = (tuple(rows), vocabulary)
    return _TRAINED.get(key, lambda found: _fit(found[0], analysers))


class TrainedOnFirstUse:
    """A :class:`TopicClassifier` trained the first time it is asked (or warmed), once.

    Not a value: it holds a lock and, once trained, the model. Two threads asking at once
    train once; the one that comes second waits for the same model.
    """

    __slots__ = ("_analysers", "_lock", "_model", "_rows", "_topics")

    def __init__(
        self, topics: Iterable[Topic], analysers: Mapping[str, Analyser], labelled: Iterable[Row]
    ) -> None:
        self._topics = tuple(topics)
        self._analysers = analysers
        self._rows = tuple(labelled)
        self._lock = threading.Lock()
        self._model: TopicClassifier | None = None

    @property
    def is_trained(self) -> bool:
        return self._model is not None

    def warm(self) -> TopicClassifier:
        """The trained model: trained now if nobody asked before."""
        with self._lock:
            if self._model is None:
                self._model = train(self._topics, self._analysers, self._rows)
            return self._model

    def probabilities(self, text: str, lang: str, analyser: Analyser) -> dict[str, float]:
        return self.warm().probabilities(text, lang, analyser)


def _fit(rows: tuple[Row, ...], analysers: Mapping[str, Analyser]) -> TopicClassifier:
    # scikit-learn is imported here, not with the module: it takes seconds to import, and the
    # commands that never match a message (the adviser desk) should not wait for it.
    from sklearn.pipeline import make_pipeline

    models: dict[str, LanguageModel] = {}
    for lang, analyser in analysers.items():
        texts = [_document(text, analyser) for found, _, text in rows if found == lang]
        labels = [topic for found, topic, _ in rows if found == lang]
        if len(set(labels)) < 2:
            continue
        model = make_pipeline(_features(), _regression())
        model.fit(texts, labels)
        # The n-gram columns of every word the model can expect are looked up once, now.
        words = {word for text in texts for word in _text_of(text).split()} | analyser.known
        models[lang] = read_out(model, words)
    return TopicClassifier(MappingProxyType(models))


def _features() -> FeatureUnion:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            ("terms", TfidfVectorizer(analyzer=_terms_of, sublinear_tf=True)),
            (
                "letters",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=CHAR_NGRAMS,
                    preprocessor=_text_of,
                    sublinear_tf=True,
                    min_df=2,
                ),
            ),
        ]
    )


def _regression() -> LinearSVC:
    from sklearn.svm import LinearSVC

    # A fixed seed: liblinear shuffles while it learns, and the same files must give the same
    # answers on every replica and in every test run.
    return LinearSVC(C=INVERSE_REGULARISATION, random_state=0)


# A document is the normalised text and its terms, separated by a tab that neither contains.
def _document(text: str, analyser: Analyser) -> str:
    terms = analyser.terms(text, keep_stopwords=True)[:MAX_TERMS]
    return normalise(text)[:MAX_CHARS] + "\t" + " ".join(terms)


def _terms_of(document: str) -> list[str]:
    return document.partition("\t")[2].split()


def _text_of(document: str) -> str:
    return document.partition("\t")[0]


def read_labelled(path: Path = LABELLED) -> list[Row]:
    """The labelled questions shipped for training: a file, or every ``.tsv`` file of a folder
    in name order; ``#`` lines and blank lines skipped."""
    if path.is_dir():
        return [row for found in sorted(path.glob("*.tsv")) for row in read_labelled(found)]
    rows: list[Row] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise KnowledgeError(f"{path.name}:{number}: expected lang, topic and text")
        rows.append((parts[0], parts[1], parts[2]))
    return rows
