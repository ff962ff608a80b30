"""The matcher on utterances written without looking at the topic examples."""

from __future__ import annotations

from pathlib import Path

from knowledge.base import KnowledgeBase
from knowledge.model import TOPIC_IDS
from tests.knowledge.conftest import ACCURACY_LINES

HELDOUT = Path(__file__).parents[1] / "data" / "utterances_heldout.tsv"
# A little below what the matcher reaches, so a real regression fails.
HELDOUT_FLOOR = 0.86


def heldout() -> list[tuple[str, str, str]]:
    """The labelled lines; ``#`` lines (how labels were decided) and blank lines are skipped."""
    rows = []
    for line in HELDOUT.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lang, topic, text = line.split("\t")
        rows.append((lang, topic, text))
    return rows


def test_heldout_set_is_big_balanced_and_covers_every_topic() -> None:
    rows = heldout()
    assert len(rows) >= 200
    for topic in TOPIC_IDS:
        wanted = 5 if topic in ("help", "fallback") else 8
        assert sum(1 for _, label, _ in rows if label == topic) >= wanted, topic
    dutch = sum(1 for lang, _, _ in rows if lang == "nl")
    assert 0.4 <= dutch / len(rows) <= 0.6


def test_matcher_accuracy_on_heldout_utterances(shipped_kb: KnowledgeBase) -> None:
    rows = heldout()
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
        f"held-out accuracy: {accuracy:.3f} ({sum(hits)}/{len(rows)}; "
        f"tune half {sum(tune) / len(tune):.3f}, check half {sum(check) / len(check):.3f})"
    )
    print(line)
    ACCURACY_LINES.append(line)
    assert accuracy >= HELDOUT_FLOOR, "\n".join(misses)
