"""Spot crisis language (danger now, suicidal thoughts) in Dutch and English, typos included."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.errors import KnowledgeError
from knowledge.analyser import MIN_CORRECTABLE, allowed_edits
from knowledge.crisis_patterns import CrisisPatterns, compile_list
from knowledge.lexicon import DATA_DIR
from knowledge.normalise import normalise
from knowledge.toml_file import read_toml

CRISIS_FILE = DATA_DIR / "crisis.toml"
_PATTERN_LISTS = ("suicide", "present", "danger", "not_acute", "acute")


@dataclass(frozen=True, slots=True)
class CrisisDetector:
    """Patterns over normalised text, tried as typed and again with typos repaired."""

    patterns: CrisisPatterns
    repair_words: tuple[str, ...]
    known: frozenset[str]

    @classmethod
    def load(cls, known: Iterable[str] = (), path: Path = CRISIS_FILE) -> CrisisDetector:
        """``known`` words and the file's ``keep`` list are never "repaired" into crisis words."""
        data = read_toml(path)
        compiled = {name: compile_list(_texts(data, name, path), path) for name in _PATTERN_LISTS}
        repair = set(_texts(data, "repair", path))
        keep = set(_texts(data, "keep", path))
        return cls(
            patterns=CrisisPatterns(**compiled),
            repair_words=tuple(sorted(repair)),
            known=(frozenset(known) | keep) - repair,
        )

    def is_crisis(self, text: str) -> bool:
        plain = normalise(text)
        if self._matches(plain):
            return True
        repaired = " ".join(self._repair(word) for word in plain.split(" "))
        return repaired != plain and self._matches(repaired)

    def _matches(self, text: str) -> bool:
        return self.patterns.fire(text)

    def _repair(self, word: str) -> str:
        if len(word) < MIN_CORRECTABLE or word in self.known or word in self.repair_words:
            return word
        found = process.extractOne(
            word, self.repair_words, scorer=OSA.distance, score_cutoff=allowed_edits(word)
        )
        # A longer word that contains a crisis word ("opgeslagen") is another word, not a typo.
        return found[0] if found and found[0] not in word else word


def _texts(data: dict[str, object], name: str, path: Path) -> list[str]:
    value = data.get(name)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise KnowledgeError(f"{path}: {name!r} must be a list of texts")
    return value
