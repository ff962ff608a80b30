"""The words of the yearly report in Dutch and English (``report_texts.toml``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from bot.stats.tables import TOTAL

LANGUAGES = ("nl", "en")


@dataclass(frozen=True, slots=True)
class ReportTexts:
    """One language's texts; ``text`` fills in ``{threshold}`` and the like."""

    lang: str
    entries: dict[str, Any]

    def text(self, key: str, **values: object) -> str:
        return str(self.entries[key]).format(**values)

    def paragraphs(self, key: str, **values: object) -> tuple[str, ...]:
        return tuple(str(line).format(**values) for line in self.entries[key])

    def heading(self, measure: str) -> str:
        return str(self.entries["sections"][measure]["heading"])

    def intro(self, measure: str) -> str:
        return str(self.entries["sections"][measure]["intro"])

    def label(self, measure: str, category: str) -> str:
        """A category's name; a configured unit group is shown by its own name."""
        labels: dict[str, Any] = self.entries["labels"]
        own = labels.get(measure)
        if isinstance(own, dict) and category in own:
            return str(own[category])
        found = labels.get(category)
        if isinstance(found, str) and (measure != "unit_groups" or category == TOTAL):
            return found
        return category


@cache
def report_texts(lang: str) -> ReportTexts:
    if lang not in LANGUAGES:
        raise ValueError(f"no report texts in {lang!r}")
    raw = files("bot.stats").joinpath("report_texts.toml").read_text(encoding="utf-8")
    return ReportTexts(lang, tomllib.loads(raw)[lang])
