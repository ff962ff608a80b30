"""The classifier blend against BM25 alone, on rows the classifier did not learn from.

``python -m bench.bench_blend`` prints, for the dev set's odd rows (never in
knowledge/data/labelled.tsv), top-1, shown and how often the bot asks, for BM25 alone, the
classifier alone (answer from a share of ``CONFIDENT_SHARE``, else ask its best three) and
the blend; then the blend cross-validated over the shipped labelled rows (five folds: each
row scored by a model trained without it), which is how the thresholds were chosen.
"""

from __future__ import annotations

import dataclasses

import knowledge.matcher as matcher_module
from bench.bench_matcher import is_shown, rows
from knowledge.base import KnowledgeBase
from knowledge.classifier import TopicClassifier, read_labelled, train

FOLDS = 5
Row = tuple[str, str, str]


def measure(kb: KnowledgeBase, data: list[Row]) -> tuple[float, float, float]:
    top = shown = asks = 0
    for lang, label, text in data:
        found = kb.match(text, lang)
        top += found.topic == label
        shown += is_shown(found, label)
        asks += found.asks
    return top / len(data), shown / len(data), asks / len(data)


def classifier_alone(kb: KnowledgeBase, data: list[Row]) -> tuple[float, float, float]:
    classifier = kb.matcher.classifier
    assert classifier is not None
    top = shown = asks = 0
    for lang, label, text in data:
        if kb.is_crisis(text):
            ranked = [("crisis", 1.0)]
        else:
            shares = classifier.probabilities(text, lang, kb.matcher.languages[lang].analyser)
            ranked = sorted(shares.items(), key=lambda item: -item[1])
        best, share = ranked[0]
        confident = share >= matcher_module.CONFIDENT_SHARE and best != "fallback"
        asking = not confident and best != "fallback"
        choices = [topic for topic, _ in ranked if topic != "fallback"][:3]
        top += best == label
        asks += asking
        if label == "fallback":
            shown += not confident
        else:
            shown += best == label if confident else asking and label in choices
    return top / len(data), shown / len(data), asks / len(data)


def with_classifier(kb: KnowledgeBase, classifier: TopicClassifier | None) -> KnowledgeBase:
    return dataclasses.replace(kb, matcher=dataclasses.replace(kb.matcher, classifier=classifier))


def line(name: str, figures: tuple[float, float, float]) -> None:
    top, shown, asks = figures
    print(f"{name:<34} top-1 {top:.3f}  shown {shown:.3f}  asks {asks:.3f}")


def main() -> None:
    kb = KnowledgeBase.load()
    check = rows("utterances_dev.tsv")[1::2]
    line("dev odd rows, BM25 alone", measure(with_classifier(kb, None), check))
    line("dev odd rows, classifier alone", classifier_alone(kb, check))
    line("dev odd rows, blend", measure(kb, check))
    topics = list(kb.topics_by_key.values())
    analysers = {lang: entry.analyser for lang, entry in kb.matcher.languages.items()}
    labelled = read_labelled()
    totals = [0.0, 0.0, 0.0]
    for fold in range(FOLDS):
        learnt = [row for number, row in enumerate(labelled) if number % FOLDS != fold]
        held = labelled[fold::FOLDS]
        figures = measure(with_classifier(kb, train(topics, analysers, learnt)), held)
        totals = [total + value * len(held) for total, value in zip(totals, figures, strict=True)]
    top, shown, asks = (total / len(labelled) for total in totals)
    line("labelled rows, blend, 5-fold", (top, shown, asks))


if __name__ == "__main__":
    main()
