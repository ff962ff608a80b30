"""The matcher on utterances written without looking at the topics' examples.

Sets written at different times: ``heldout``, ``unseen``, ``review``, ``dev``, ``final`` and
``target``. Each was measured blind when it arrived (the figures are in its header and in
docs/knowledge.md). The matcher's classifier now learns from all of them but ``target``
(knowledge/data/labelled/test-sets.tsv): on those the figures are on data the model saw and
their floors only catch a regression. ``target``, written after the matcher's changes and
never learnt from, is the honest check: issue 11's goals are measured on it. Two measures:
**top-1**, the matcher's best topic is the label (out-of-scope lines are labelled
``fallback``), and **shown**, the label is what the person sees: the answer, or one of the
choices when the bot asks; for a ``fallback`` line, that the bot did not answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.classifier import read_labelled
from knowledge.model import TOPIC_IDS, Match
from knowledge.normalise import normalise
from tests.knowledge.conftest import ACCURACY_LINES

DATA = Path(__file__).parents[1] / "data"
# The topics both sets were written for; a topic added later is measured on a set of its own.
ADDED_IN_REVIEW = ("retaliation", "for-managers", "legal-help")
FIRST_TOPICS = tuple(topic for topic in TOPIC_IDS if topic not in ADDED_IN_REVIEW)


@dataclass(frozen=True)
class BlindSet:
    name: str
    file: str
    floor: float  # top-1, a little below what the matcher reaches, so a regression fails
    shown_floor: float  # the same for "shown"
    min_lines: int
    min_per_topic: int
    dutch_share: tuple[float, float]
    topics: tuple[str, ...]  # the topics the set was written for: each must be covered
    trained_on: str  # which rows the classifier learns from: "all" or "none"

    def rows(self) -> list[tuple[str, str, str]]:
        """The labelled lines; ``#`` lines (how labels were decided) and blank lines skipped."""
        rows = []
        for line in (DATA / self.file).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                lang, topic, text = line.split("\t")
                rows.append((lang, topic, text))
        return rows


# Written after the content review, without looking at the examples: the three new topics
# and the topics that gained sections (what happens after a complaint, the manager who is
# the problem, offenders from outside, consent offences, support afterwards, the integrity
# confidential adviser, retention and AVG rights). Tuned on its even rows only.
REVIEW_TOPICS = (
    *ADDED_IN_REVIEW,
    "complaint",
    "manager-hr",
    "third-party",
    "police",
    "support",
    "integrity",
    "privacy",
    "whistleblower",
)

# The sets written for asking instead of guessing (dev, final, target) hold long, emotional and
# indirect lines, typos, and at least 30 out-of-scope ones.
MIN_OUT_OF_SCOPE = 30

# Floors on rows the classifier learnt from are regression checks, not accuracy; BM25 alone
# reached 0.88/0.92, 0.84/0.89, 0.79/0.87 and, on dev's odd rows, 0.762/0.857.
SETS = [
    BlindSet(
        "held-out", "utterances_heldout.tsv", 0.97, 0.97, 200, 8, (0.4, 0.6), FIRST_TOPICS, "all"
    ),
    BlindSet(
        "unseen", "utterances_unseen.tsv", 0.97, 0.98, 240, 10, (0.45, 0.55), FIRST_TOPICS, "all"
    ),
    BlindSet(
        "review", "utterances_review.tsv", 0.96, 0.96, 120, 6, (0.45, 0.55), REVIEW_TOPICS, "all"
    ),
    BlindSet("dev", "utterances_dev.tsv", 0.97, 0.97, 150, 6, (0.45, 0.55), TOPIC_IDS, "all"),
    # Measured blind at 0.835/0.924 before the classifier learnt from it.
    BlindSet("final", "utterances_final.tsv", 0.96, 0.97, 220, 8, (0.45, 0.55), TOPIC_IDS, "all"),
    # Written by two writers after the matcher's changes were committed, never tuned on and
    # never learnt from: the targets are measured here (0.959/0.985 on arrival).
    BlindSet(
        "target", "utterances_target.tsv", 0.94, 0.97, 300, 6, (0.45, 0.55), TOPIC_IDS, "none"
    ),
]
# What issue 11 asks on sets written after the matcher changes; printed, not asserted: the
# floors above keep what was reached, this says how far it is from the goal.
TARGET_TOP1 = 0.92
TARGET_SHOWN = 0.97


def is_shown(match: Match, label: str) -> bool:
    """The label is what the person sees: the answer, a choice offered, or no answer at all."""
    if label == "fallback":
        return not match.confident
    return match.topic == label if match.confident else label in match.choices


@pytest.mark.parametrize("blind", SETS, ids=lambda s: s.name)
def test_the_set_is_big_balanced_and_covers_its_topics(blind: BlindSet) -> None:
    rows = blind.rows()
    assert len(rows) >= blind.min_lines
    assert set(blind.topics) <= set(TOPIC_IDS)
    assert {label for _, label, _ in rows} <= set(blind.topics), "a label outside its topics"
    for topic in blind.topics:
        wanted = blind.min_per_topic if topic not in ("help", "fallback") else 5
        assert sum(1 for _, label, _ in rows if label == topic) >= wanted, topic
    dutch = sum(1 for lang, _, _ in rows if lang == "nl") / len(rows)
    assert blind.dutch_share[0] <= dutch <= blind.dutch_share[1]


@pytest.mark.parametrize("name", ["dev", "final", "target"])
def test_the_newest_sets_have_enough_out_of_scope_lines(name: str) -> None:
    blind = next(blind for blind in SETS if blind.name == name)
    assert sum(1 for _, label, _ in blind.rows() if label == "fallback") >= MIN_OUT_OF_SCOPE


def test_the_classifier_never_learns_a_set_it_is_measured_on() -> None:
    learnt = {normalise(text) for _, _, text in read_labelled()}
    for blind in SETS:
        texts = {normalise(text) for _, _, text in blind.rows()}
        if blind.trained_on == "none":
            assert not texts & learnt, blind.name
        else:
            assert texts <= learnt | _repeated_or_left_out(blind), blind.name


def _repeated_or_left_out(blind: BlindSet) -> set[str]:
    # A learnt set's line that another set measured on also has is left out of the training.
    unseen = [other for other in SETS if other.trained_on == "none"]
    return {normalise(text) for other in unseen for _, _, text in other.rows()}


@pytest.mark.parametrize("blind", SETS, ids=lambda s: s.name)
def test_matcher_accuracy_on_a_blind_set(blind: BlindSet, shipped_kb: KnowledgeBase) -> None:
    rows = blind.rows()
    matches = [shipped_kb.match(text, lang) for lang, _, text in rows]
    hits = [match.topic == topic for match, (_, topic, _) in zip(matches, rows, strict=True)]
    shown = [is_shown(match, topic) for match, (_, topic, _) in zip(matches, rows, strict=True)]
    misses = [
        f"{lang} {text!r}: {match.topic} {match.choices or ''} (wanted {topic})"
        for match, (lang, topic, text), seen in zip(matches, rows, shown, strict=True)
        if not seen
    ]
    top1, seen = sum(hits) / len(rows), sum(shown) / len(rows)
    line = f"{blind.name}: top-1 {top1:.3f} ({sum(hits)}/{len(rows)}), shown {seen:.3f}; " + (
        "never tuned on or learnt from"
        if blind.trained_on == "none"
        else f"classifier trained on {blind.trained_on} rows"
    )
    if blind.trained_on == "none":
        met = top1 >= TARGET_TOP1 and seen >= TARGET_SHOWN
        line += (
            f"; the goal is top-1 {TARGET_TOP1:.2f} and shown {TARGET_SHOWN:.2f}: "
            f"{'met' if met else 'NOT met'}"
        )
    print(line)
    ACCURACY_LINES.append(line)
    assert top1 >= blind.floor, "\n".join(misses)
    assert seen >= blind.shown_floor, "\n".join(misses)


# Each new topic on its own, so a good total cannot hide one of them going missing.
NEW_TOPIC_FLOOR = 0.55


@pytest.mark.parametrize("topic", ADDED_IN_REVIEW)
def test_each_new_topic_is_found_on_the_review_set(topic: str, shipped_kb: KnowledgeBase) -> None:
    review = next(blind for blind in SETS if blind.name == "review")
    rows = [(lang, text) for lang, label, text in review.rows() if label == topic]
    found = sum(shipped_kb.match(text, lang).topic == topic for lang, text in rows)
    line = f"review recall {topic}: {found}/{len(rows)}"
    print(line)
    ACCURACY_LINES.append(line)
    assert found / len(rows) >= NEW_TOPIC_FLOOR, line
