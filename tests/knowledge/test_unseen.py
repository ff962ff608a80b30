"""The matcher on a third set of utterances, written without looking at the topic examples."""

from __future__ import annotations

from pathlib import Path

from knowledge.base import KnowledgeBase
from knowledge.model import TOPIC_IDS
from tests.knowledge.conftest import ACCURACY_LINES

UNSEEN = Path(__file__).parents[1] / "data" / "utterances_unseen.tsv"
# A little below what the matcher reaches, so a real regression fails.
UNSEEN_FLOOR = 0.84


def unseen() -> list[tuple[str, str, str]]:
    """The labelled lines; ``#`` lines (how labels were decided) and blank lines are skipped."""
    rows = []
    for line in UNSEEN.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lang, topic, text = line.split("\t")
        rows.append((lang, topic, text))
    return rows


def test_unseen_set_is_big_balanced_and_covers_every_topic() -> None:
    rows = unseen()
    assert len(rows) >= 240
    for topic in TOPIC_IDS:
        wanted = 6 if topic in ("help", "fallback") else 10
        assert sum(1 for _, label, _ in rows if label == topic) >= wanted, topic
    dutch = sum(1 for lang, _, _ in rows if lang == "nl")
    assert 0.45 <= dutch / len(rows) <= 0.55


def test_matcher_accuracy_on_unseen_utterances(shipped_kb: KnowledgeBase) -> None:
    rows = unseen()
    hits = [shipped_kb.match(text, lang).topic == topic for lang, topic, text in rows]
    misses = [
        f"{lang} {text!r}: {shipped_kb.match(text, lang).topic} (wanted {topic})"
        for (lang, topic, text), hit in zip(rows, hits, strict=True)
        if not hit
    ]
    accuracy = sum(hits) / len(rows)
    # Tuned on the even lines, checked on the odd ones: both halves are shown.
    tune, check = hits[0::2], hits[1::2]
    line = (
        f"unseen accuracy: {accuracy:.3f} ({sum(hits)}/{len(rows)}; "
        f"tune half {sum(tune) / len(tune):.3f}, check half {sum(check) / len(check):.3f})"
    )
    print(line)
    ACCURACY_LINES.append(line)
    assert accuracy >= UNSEEN_FLOOR, "\n".join(misses)
