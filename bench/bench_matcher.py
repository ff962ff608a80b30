"""Measure the topic matcher on the labelled utterance sets.

Run: ``.venv/bin/python bench/bench_matcher.py [-v] [--cost]`` (prints; writes nothing).
The held-out, unseen, review and dev sets are split in two halves by line order: tune on
``tune``, check on ``check``. ``top-1``: the best topic is the label; ``shown``: the label is
what the person sees (the answer, a choice offered, or no answer for an out-of-scope line).
With ``-v`` it lists every miss and the most frequent confusions. ``--cost`` times one
match per utterance of every set (each message fresh, so no memo helps), best of five
rounds, and prints the median and the 95th percentile in microseconds.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from knowledge.base import KnowledgeBase

DATA = Path(__file__).parents[1] / "tests" / "data"


def rows(name: str) -> list[tuple[str, str, str]]:
    found = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lang, topic, text = line.split("\t")
        found.append((lang, topic, text))
    return found


def is_shown(found: object, label: str) -> bool:
    confident = bool(getattr(found, "confident", True))
    if label == "fallback":
        return not confident
    if confident:
        return bool(getattr(found, "topic", "") == label)
    return label in getattr(found, "choices", ())


def report(
    kb: KnowledgeBase, name: str, labelled: list[tuple[str, str, str]], verbose: bool
) -> None:
    misses = []
    shown = asks = 0
    for lang, topic, text in labelled:
        found = kb.match(text, lang)
        shown += is_shown(found, topic)
        asks += bool(getattr(found, "asks", False))
        if found.topic != topic:
            misses.append((lang, topic, found.topic, round(found.score, 2), text))
    accuracy = 1 - len(misses) / len(labelled)
    print(
        f"{name:<16} top-1 {accuracy:.3f} ({len(labelled) - len(misses)}/{len(labelled)})"
        f"  shown {shown / len(labelled):.3f}  asks {asks / len(labelled):.3f}"
    )
    if verbose:
        for lang, want, got, score, text in misses:
            print(f"   {lang} {want:>22} -> {got:<22} {score:5.2f}  {text}")
        pairs = Counter((want, got) for _, want, got, _, _ in misses)
        print("   confusions:", ", ".join(f"{w}->{g} x{n}" for (w, g), n in pairs.most_common(8)))


def cost(kb: KnowledgeBase) -> None:
    texts = [
        (lang, text)
        for name in sorted(DATA.glob("utterances*.tsv"))
        for lang, _, text in rows(name.name)
    ]
    best: list[float] = []
    for round_number in range(5):
        samples = []
        for lang, text in texts:
            fresh = f"{text} {round_number}"  # a new message each round: no memo helps
            start = time.perf_counter()
            kb.match(fresh, lang)
            samples.append((time.perf_counter() - start) * 1e6)
        if not best or statistics.median(samples) < statistics.median(best):
            best = samples
    p95 = statistics.quantiles(best, n=20)[-1]
    median = statistics.median(best)
    print(f"cost per match   median {median:.0f} us  p95 {p95:.0f} us  ({len(texts)} messages)")


def main() -> None:
    verbose = "-v" in sys.argv
    kb = KnowledgeBase.load()
    if "--cost" in sys.argv:
        cost(kb)
        return
    heldout = rows("utterances_heldout.tsv")
    report(kb, "labelled", rows("utterances.tsv"), verbose)
    report(kb, "heldout (all)", heldout, False)
    report(kb, "heldout tune", heldout[0::2], verbose)
    report(kb, "heldout check", heldout[1::2], "-vv" in sys.argv)
    unseen = rows("utterances_unseen.tsv")
    report(kb, "unseen (all)", unseen, False)
    report(kb, "unseen tune", unseen[0::2], verbose)
    report(kb, "unseen check", unseen[1::2], "-vv" in sys.argv)
    review = rows("utterances_review.tsv")
    report(kb, "review (all)", review, False)
    report(kb, "review tune", review[0::2], verbose)
    report(kb, "review check", review[1::2], "-vv" in sys.argv)
    dev = rows("utterances_dev.tsv")
    report(kb, "dev (all)", dev, False)
    report(kb, "dev tune", dev[0::2], verbose)
    report(kb, "dev check", dev[1::2], "-vv" in sys.argv)


if __name__ == "__main__":
    main()
