"""What one message costs the matcher: worst cases of 2,000 characters against a real question.

Run: ``.venv/bin/python -m bench.bench_analyser [--rounds 200] [--before DIR]
[--write bench/RESULTS.md]``. Every message is new (the analyser remembers the last few
it saw), and the baseline is the labelled Dutch questions of tests/data, timed in the same
process. ``--before DIR`` times the ``knowledge`` package found in DIR as well, in its own
process (``git archive <commit> knowledge bot | tar -x -C DIR``), so both columns come from the
same run on the same machine.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import string
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bench.results import machine_line, write_section

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase

MESSAGE_CHARS = 2000  # the longest text the router accepts
DATA = Path(__file__).parents[1] / "tests" / "data" / "utterances.tsv"
QUESTION = "labelled Dutch question"
CASES = (
    "random words",
    "random accented words",
    "near-miss typos of topic words",
    "long tokens (52 letters)",
    "one 2,000-letter token",
    "one-letter words",
)
RUNS = ("matcher", "with crisis check", "with language checks")
Result = dict[str, dict[str, float]]


def questions() -> list[str]:
    lines = DATA.read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]
    return [text for lang, _topic, text in rows if lang == "nl"]


def _fill(words: Iterator[str]) -> str:
    text = ""
    while len(text) < MESSAGE_CHARS:
        text += next(words) + " "
    return text[:MESSAGE_CHARS]


def _random_words(rng: random.Random, letters: str) -> Iterator[str]:
    while True:
        yield "".join(rng.choices(letters, k=rng.randint(5, 12)))


def _near_misses(rng: random.Random, vocabulary: list[str]) -> Iterator[str]:
    while True:
        word = rng.choice(vocabulary)
        cut = rng.randrange(len(word) - 1)
        yield word[:cut] + word[cut + 1] + word[cut] + word[cut + 2 :]


def messages(case: str, rng: random.Random, vocabulary: list[str]) -> Iterator[str]:
    """An endless supply of distinct messages of one kind."""
    while True:
        if case == "random words":
            yield _fill(_random_words(rng, string.ascii_lowercase))
        elif case == "random accented words":
            yield _fill(_random_words(rng, "aàáäeèéëiïoöuü"))
        elif case == "near-miss typos of topic words":
            yield _fill(_near_misses(rng, vocabulary))
        elif case == "long tokens (52 letters)":
            yield _fill(rng.choice(vocabulary) * 4 for _ in iter(int, 1))
        elif case == "one 2,000-letter token":
            yield "".join(rng.choices(string.ascii_lowercase, k=MESSAGE_CHARS))
        else:
            yield _fill(rng.choice(string.ascii_lowercase) for _ in iter(int, 1))


def _timed(action: Callable[[str], object], texts: list[str]) -> dict[str, float]:
    samples = []
    for text in texts:
        start = time.perf_counter()
        action(text)
        samples.append((time.perf_counter() - start) * 1000)
    ordered = sorted(samples)
    return {"median": statistics.median(ordered), "p95": ordered[int(len(ordered) * 0.95) - 1]}


def measure(rounds: int) -> Result:
    """Median and p95 ms per message for the matcher alone and with the crisis check."""
    from knowledge.base import KnowledgeBase

    kb = KnowledgeBase.load()
    vocabulary = sorted(w for w in kb.matcher.languages["nl"].analyser.vocabulary if len(w) >= 8)
    rng = random.Random(2026)
    asked = questions()
    supplies = {case: messages(case, rng, vocabulary) for case in CASES}
    for text in asked[:20]:  # warm up
        kb.match(text, "nl")
    result: Result = {}
    runs = (
        ("matcher", "?", lambda text: kb.matcher.match(text, "nl")),
        ("with crisis check", "!", lambda text: kb.match(text, "nl")),
        ("with language checks", ".", lambda text: _turn(kb, text)),
    )
    for name, mark, action in runs:
        # A trailing mark the analyser drops: the same words, but texts it has not seen.
        result[f"{QUESTION} | {name}"] = _timed(action, [f"{q} {mark}" for q in asked])
        for case in CASES:
            texts = [next(supplies[case]) for _ in range(rounds)]
            result[f"{case} | {name}"] = _timed(action, texts)
    return result


def _turn(kb: KnowledgeBase, text: str) -> object:
    """What the router does with every text: a language request, the language, the match."""
    from bot.router import language_command

    return (language_command(text), kb.detect_language(text), kb.match(text, "nl"))


def measure_elsewhere(package_dir: Path, rounds: int) -> Result:
    code = (
        "import sys, json; sys.path.insert(0, sys.argv[1]); "
        "from bench.bench_analyser import measure; print(json.dumps(measure(int(sys.argv[2]))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(package_dir), str(rounds)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[1],
    )
    found: Result = json.loads(done.stdout)
    return found


def table(after: Result, before: Result | None) -> list[str]:
    head = "| message | measured | median ms | p95 ms | × question |"
    rule = "|---|---|---:|---:|---:|"
    if before is not None:
        head += " before: median ms | before: × question |"
        rule += "---:|---:|"
    lines = [head, rule]
    for key, numbers in after.items():
        baseline = after[f"{QUESTION} | {key.split(' | ')[1]}"]["median"]
        row = (
            f"| {key} | {numbers['median']:.3f} | {numbers['p95']:.3f} | "
            f"{numbers['median'] / baseline:.1f} |"
        )
        if before is not None:
            old_base = before[f"{QUESTION} | {key.split(' | ')[1]}"]["median"]
            old = before[key]["median"]
            row += f" {old:.3f} | {old / old_base:.1f} |"
        lines.append(row)
    return [*lines, "", *summary(after, before)]


def summary(after: Result, before: Result | None) -> list[str]:
    lines = []
    for name in RUNS:
        worst = max(CASES, key=lambda case: after[f"{case} | {name}"]["median"])
        line = f"- Worst median, {name}: {after[f'{worst} | {name}']['median']:.1f} ms ({worst})"
        if before is not None:
            old = max(CASES, key=lambda case: before[f"{case} | {name}"]["median"])
            line += f"; before: {before[f'{old} | {name}']['median']:.1f} ms ({old})"
        lines.append(line + ".")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--before", type=Path)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    before = measure_elsewhere(args.before, args.rounds) if args.before else None
    lines = table(measure(args.rounds), before)
    print("\n".join(lines))
    if args.write:
        intro = [
            f"Measured {date.today().isoformat()} on {machine_line()}; {args.rounds} distinct "
            f"messages of {MESSAGE_CHARS} characters per kind, Dutch, one process. "
            "× question: the median against the median of the labelled Dutch questions in "
            'tests/data/utterances.tsv, timed in the same process. "matcher" is the '
            'analyser and BM25 (`Matcher.match`); "with crisis check" adds '
            "`CrisisDetector.is_crisis`, as every turn does.",
            "",
        ]
        if before is not None:
            intro[0] += (
                " The before columns time the previous `knowledge` package (given with "
                "--before) in a second process of the same run, on the same machine under "
                "the same load."
            )
        write_section(args.write, "Analyser: worst-case messages", intro + lines)


if __name__ == "__main__":
    main()
