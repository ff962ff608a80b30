"""Measure the topic matcher on the labelled utterance sets.

Run: ``.venv/bin/python -m bench.bench_matcher [-v] [--cost [--before DIR] [--write FILE]]``.
The held-out, unseen, review and dev sets are split in two halves by line order: tune on
``tune``, check on ``check``. ``top-1``: the best topic is the label; ``shown``: the label is
what the person sees (the answer, a choice offered, or no answer for an out-of-scope line).
With ``-v`` it lists every miss and the most frequent confusions. ``--cost`` times one
match per utterance of every set (each message fresh, so no memo helps), best of five
rounds, and prints the median and the 95th percentile in microseconds. ``--before DIR`` times
the ``knowledge`` package found in DIR as well, in its own process (``git archive <commit>
knowledge bot | tar -x -C DIR``), and ``--write`` puts both, with the accuracy of each set, in
the "Topic matcher" section of that file.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

from bench.results import machine_line, write_section
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


def cost(kb: KnowledgeBase) -> dict[str, float]:
    """Median and p95 microseconds per match, and the number of messages timed."""
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
    return {"median": statistics.median(best), "p95": p95, "messages": len(texts)}


def measure_elsewhere(package_dir: Path) -> dict[str, object]:
    """:func:`cost` and :func:`accuracy` of the ``knowledge`` package in ``package_dir``, in
    its own process."""
    code = (
        "import sys, json; sys.path.insert(0, sys.argv[1]); "
        "from knowledge.base import KnowledgeBase; "
        "from bench.bench_matcher import accuracy, cost; "
        "kb = KnowledgeBase.load(); kb.matcher.warm(); "
        "print(json.dumps({'cost': cost(kb), 'accuracy': accuracy(kb)}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(package_dir)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[1],
    )
    found: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def accuracy(kb: KnowledgeBase) -> dict[str, list[object]]:
    """Per labelled set: its rows, top-1 and shown."""
    found: dict[str, list[object]] = {}
    for path in sorted(DATA.glob("utterances*.tsv")):
        labelled = rows(path.name)
        matches = [(kb.match(text, lang), topic) for lang, topic, text in labelled]
        top = sum(match.topic == topic for match, topic in matches) / len(labelled)
        seen = sum(is_shown(match, topic) for match, topic in matches) / len(labelled)
        found[path.name] = [len(labelled), top, seen]
    return found


def accuracy_table(after: dict[str, list[object]], before: object) -> list[str]:
    lines = ["| labelled set | rows | top-1 | shown | before: top-1 | before: shown |"]
    lines.append("|---|---:|---:|---:|---:|---:|")
    old = before if isinstance(before, dict) else {}
    for name, (count, top, seen) in after.items():
        was = old.get(name, ["", "–", "–"])
        cells = [f"{value:.3f}" if isinstance(value, float) else str(value) for value in was[1:]]
        lines.append(f"| {name} | {count} | {top:.3f} | {seen:.3f} | {' | '.join(cells)} |")
    return lines


def cost_section(kb: KnowledgeBase, before_dir: Path | None) -> list[str]:
    measured = measure_elsewhere(before_dir) if before_dir else {}
    before = measured.get("cost")
    after = cost(kb)
    head = "| matcher | median µs | p95 µs | × before (median) |"
    lines = [head, "|---|---:|---:|---:|"]
    ratio = "–"
    if isinstance(before, dict):
        lines.append(f"| before | {before['median']:.0f} | {before['p95']:.0f} | 1.00 |")
        ratio = f"{after['median'] / before['median']:.2f}"
    lines.append(f"| this change | {after['median']:.0f} | {after['p95']:.0f} | {ratio} |")
    return [*lines, "", *accuracy_table(accuracy(kb), measured.get("accuracy"))]


def main() -> None:
    verbose = "-v" in sys.argv
    kb = KnowledgeBase.load()
    if "--cost" in sys.argv:
        kb.matcher.warm()
        before_dir = _option("--before")
        write_to = _option("--write")
        lines = cost_section(kb, before_dir)
        print("\n".join(lines))
        if write_to is not None:
            intro = [
                f"Measured {date.today().isoformat()} on {machine_line()}; "
                f"`bench/bench_matcher.py --cost`: one `KnowledgeBase.match` (crisis check, "
                "analyser, BM25, classifier) per labelled question of tests/data, each made "
                "new for each of five rounds (no memo helps), the round with the lowest "
                "median kept. The before row times the previous `knowledge` package in a "
                "second process of the same run. Other processes shared the 2 CPUs: "
                "the load average during the run is below.",
                "",
            ]
            load = (
                Path("/proc/loadavg").read_text().split()[:3]
                if Path("/proc/loadavg").exists()
                else []
            )
            tail = ["", f"- Load average at the end: {' '.join(load)}."]
            write_section(write_to, "Topic matcher", intro + lines + tail)
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


def _option(name: str) -> Path | None:
    if name not in sys.argv:
        return None
    position = sys.argv.index(name) + 1
    if position >= len(sys.argv):
        raise SystemExit(f"{name} needs a path")
    return Path(sys.argv[position])


if __name__ == "__main__":
    main()
