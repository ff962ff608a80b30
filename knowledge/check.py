"""``meldwijzer knowledge check``: every problem and warning in the loaded knowledge base.

Problems make the check fail (exit 1); warnings are printed as ``warning: ...`` lines and
let it pass. The source rules are in :mod:`knowledge.source_rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core import LANGUAGES
from knowledge.matcher import FALLBACK
from knowledge.model import TOPIC_IDS, Match, Topic
from knowledge.project_docs import PROJECT_ROOT
from knowledge.source_rules import source_findings

# The content is read and dated in the Netherlands: "today" is the Dutch calendar day.
CONTENT_ZONE = ZoneInfo("Europe/Amsterdam")


class CheckedBase(Protocol):
    """What the check needs from a knowledge base."""

    def ids(self) -> tuple[str, ...]: ...
    def has(self, topic_id: str, lang: str) -> bool: ...
    def topics(self, lang: str) -> tuple[Topic, ...]: ...
    def match(self, text: str, lang: str | None = None) -> Match: ...


@dataclass(frozen=True, slots=True)
class CheckReport:
    problems: tuple[str, ...]
    warnings: tuple[str, ...]

    def lines(self) -> list[str]:
        """What the command prints: the problems, then each warning as ``warning: ...``."""
        return [*self.problems, *(f"warning: {warning}" for warning in self.warnings)]

    def summary(self, topics: int) -> str:
        if not self.problems and not self.warnings:
            return f"{topics} topics checked: OK"
        found = f"{len(self.problems)} problem(s), {len(self.warnings)} warning(s)"
        return f"{topics} topics checked: {found}"

    @property
    def exit_code(self) -> int:
        """1 when there is a problem; warnings alone pass."""
        return 1 if self.problems else 0


def content_today() -> date:
    return datetime.now(CONTENT_ZONE).date()


def check(kb: CheckedBase, *, today: date, project_root: Path = PROJECT_ROOT) -> CheckReport:
    """Problems and warnings that loading alone does not catch.

    ``today`` is the day ``checked`` dates are compared with (:func:`content_today` in the
    command); ``project_root`` holds the ``docs/`` folder that project-document sources cite.
    """
    problems = _missing_translations(kb)
    warnings: list[str] = []
    for lang in LANGUAGES:
        for topic in kb.topics(lang):
            problems.extend(_topic_problems(kb, topic))
            sources = source_findings(topic, today, project_root)
            problems.extend(sources.problems)
            warnings.extend(sources.warnings)
    return CheckReport(tuple(problems), tuple(warnings))


def _missing_translations(kb: CheckedBase) -> list[str]:
    wanted = sorted(set(TOPIC_IDS) | set(kb.ids()))
    return [
        f"{lang}/{topic_id}: topic is missing in this language"
        for topic_id in wanted
        for lang in LANGUAGES
        if not kb.has(topic_id, lang)
    ]


def _topic_problems(kb: CheckedBase, topic: Topic) -> list[str]:
    where = f"{topic.lang}/{topic.id}"
    problems = [
        f"{where}: related topic {related!r} does not exist"
        for related in (*topic.related, *topic.routes)
        if not kb.has(related, topic.lang)
    ]
    problems.extend(_example_problems(kb, topic, where))
    return problems


def _example_problems(kb: CheckedBase, topic: Topic, where: str) -> list[str]:
    problems: list[str] = []
    for example in topic.examples:
        found = kb.match(example, topic.lang)
        if found.topic != topic.id:
            expected = "no topic (fallback)" if topic.id == FALLBACK else topic.id
            problems.append(
                f"{where}: example {example!r} matches {found.topic} "
                f"({found.score}), not {expected}"
            )
    return problems
