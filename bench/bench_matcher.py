"""Measure the topic matcher on the labelled utterance sets.

Run: ``.venv/bin/python bench/bench_matcher.py [-v]`` (prints accuracy; writes nothing).
The held-out, unseen and review sets are split in two halves by line order: tune on ``tune``,
check on ``check``.
With ``-v`` it lists every miss and the most frequent confusions.
"""

from __future__ import annotations

import sys
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


def report(
    kb: KnowledgeBase, name: str, labelled: list[tuple[str, str, str]], verbose: bool
) -> None:
    misses = []
    for lang, topic, text in labelled:
        found = kb.match(text, lang)
        if found.topic != topic:
            misses.append((lang, topic, found.topic, round(found.score, 2), text))
    accuracy = 1 - len(misses) / len(labelled)
    print(f"{name:<16} {accuracy:.3f} ({len(labelled) - len(misses)}/{len(labelled)})")
    if verbose:
        for lang, want, got, score, text in misses:
            print(f"   {lang} {want:>22} -> {got:<22} {score:5.2f}  {text}")
        pairs = Counter((want, got) for _, want, got, _, _ in misses)
        print("   confusions:", ", ".join(f"{w}->{g} x{n}" for (w, g), n in pairs.most_common(8)))


def main() -> None:
    verbose = "-v" in sys.argv
    kb = KnowledgeBase.load()
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


if __name__ == "__main__":
    main()
