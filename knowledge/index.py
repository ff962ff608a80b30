"""A BM25 index over the topics of one language, built once at load time."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from knowledge.analyser import Analyser
from knowledge.model import Topic
from knowledge.normalise import normalise

# How much each part of a topic says about what people will ask. Examples and
# keywords are written as questions and search words; the body only adds vocabulary.
FIELD_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {"title": 2.0, "keywords": 2.0, "examples": 1.0, "summary": 1.0, "body": 0.15}
)
# Standard BM25 constants; a low b because a topic with many examples is not "longer"
# in the sense BM25 penalises, it is just better described.
K1 = 1.2
B = 0.3
# A multi-word keyword found whole in the question counts on top of its words,
# and a question that is exactly a title, keyword or example ("menu", "privacy") more so.
PHRASE_BOOST = 1.5
EXACT_BOOST = 3.0


@dataclass(frozen=True, slots=True)
class TopicIndex:
    """Per term the topics it points to with their BM25 weight, and whole-phrase keywords."""

    postings: Mapping[str, Mapping[str, float]]
    phrases: tuple[tuple[str, frozenset[str]], ...]
    exact: Mapping[str, str]  # normalised title, keyword or example → topic id

    def scores(self, terms: Iterable[str], text: str = "") -> dict[str, float]:
        """BM25 per topic for the question's terms; ``text`` is its normalised form."""
        unique = set(terms)
        totals: dict[str, float] = {}
        for term in unique:
            for topic, weight in self.postings.get(term, {}).items():
                totals[topic] = totals.get(topic, 0.0) + weight
        for topic, phrase in self.phrases:
            if phrase <= unique:
                totals[topic] = totals.get(topic, 0.0) + PHRASE_BOOST
        if text in self.exact:
            topic = self.exact[text]
            totals[topic] = totals.get(topic, 0.0) + EXACT_BOOST
        return totals


def build_index(topics: Iterable[Topic], analyser: Analyser) -> TopicIndex:
    """Weigh every term of every topic; ``analyser`` must be the one that reads the questions."""
    bags: dict[str, dict[str, float]] = {}
    primary: dict[str, set[str]] = {}
    phrases: list[tuple[str, frozenset[str]]] = []
    exact: dict[str, str] = {}
    for topic in topics:
        for text in (topic.title, *topic.keywords, *topic.examples):
            exact.setdefault(normalise(text), topic.id)
        bag, seen = _bag(topic, analyser)
        bags[topic.id], primary[topic.id] = bag, seen
        for keyword in topic.keywords:
            terms = frozenset(analyser.terms(keyword))
            # Several keywords can become the same concept ("press charges", "crime"):
            # the phrase counts once per topic, or a topic with many synonyms runs away.
            if len(terms) >= 2 and (topic.id, terms) not in phrases:
                phrases.append((topic.id, terms))
    return TopicIndex(
        postings=_postings(bags, primary),
        phrases=tuple(phrases),
        exact=MappingProxyType(exact),
    )


def _bag(topic: Topic, analyser: Analyser) -> tuple[dict[str, float], set[str]]:
    fields = {
        "title": [topic.title],
        "keywords": list(topic.keywords),
        "examples": list(topic.examples),
        "summary": [topic.summary],
        "body": [topic.intro, *(s.heading + "\n" + s.text for s in topic.sections.values())],
    }
    bag: dict[str, float] = {}
    seen: set[str] = set()
    for name, texts in fields.items():
        for text in texts:
            terms = analyser.terms(text, keep_stopwords=True)
            for term in terms:
                bag[term] = bag.get(term, 0.0) + FIELD_WEIGHTS[name]
            if name != "body":
                seen.update(terms)
    return bag, seen


def _postings(
    bags: Mapping[str, Mapping[str, float]], primary: Mapping[str, set[str]]
) -> Mapping[str, Mapping[str, float]]:
    # Document frequency counts only the primary fields: nearly every body mentions the
    # vertrouwenspersoon, which must not make that word worthless for its own topic.
    count = len(bags)
    frequency: Counter[str] = Counter(term for terms in primary.values() for term in terms)
    average = sum(sum(bag.values()) for bag in bags.values()) / max(count, 1)
    postings: dict[str, dict[str, float]] = {}
    for topic, bag in bags.items():
        norm = K1 * (1 - B + B * sum(bag.values()) / max(average, 1e-9))
        for term, tf in bag.items():
            df = frequency.get(term, 0)
            idf = math.log(1 + (count - df + 0.5) / (df + 0.5))
            postings.setdefault(term, {})[topic] = idf * tf * (K1 + 1) / (tf + norm)
    return MappingProxyType({term: MappingProxyType(t) for term, t in postings.items()})
