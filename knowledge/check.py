"""``meldwijzer knowledge check``: every problem in the loaded knowledge base, one line each."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from bot.core import LANGUAGES
from knowledge.matcher import FALLBACK
from knowledge.model import TOPIC_IDS, Match, Topic
from knowledge.project_docs import PROJECT_ROOT, document_problem, is_project_document
from knowledge.topic_file import is_https_url


class CheckedBase(Protocol):
    """What the check needs from a knowledge base."""

    def ids(self) -> tuple[str, ...]: ...
    def has(self, topic_id: str, lang: str) -> bool: ...
    def topics(self, lang: str) -> tuple[Topic, ...]: ...
    def match(self, text: str, lang: str | None = None) -> Match: ...


def check(kb: CheckedBase, *, project_root: Path = PROJECT_ROOT) -> list[str]:
    """Problems that loading alone does not catch; an empty list means all is well.

    ``project_root`` holds the ``docs/`` folder that project-document sources point into.
    """
    problems = _missing_translations(kb)
    for lang in LANGUAGES:
        for topic in kb.topics(lang):
            problems.extend(_topic_problems(kb, topic, project_root))
    return problems


def _missing_translations(kb: CheckedBase) -> list[str]:
    wanted = sorted(set(TOPIC_IDS) | set(kb.ids()))
    return [
        f"{lang}/{topic_id}: topic is missing in this language"
        for topic_id in wanted
        for lang in LANGUAGES
        if not kb.has(topic_id, lang)
    ]


def _topic_problems(kb: CheckedBase, topic: Topic, project_root: Path) -> list[str]:
    where = f"{topic.lang}/{topic.id}"
    problems = [
        f"{where}: related topic {related!r} does not exist"
        for related in (*topic.related, *topic.routes)
        if not kb.has(related, topic.lang)
    ]
    problems.extend(f"{where}: {problem}" for problem in _source_problems(topic, project_root))
    problems.extend(_example_problems(kb, topic, where))
    return problems


def _source_problems(topic: Topic, project_root: Path) -> list[str]:
    problems: list[str] = []
    # An installed package carries no docs/ folder: the project documents are verified where
    # the source tree is (make test), not on a production server checking its overlay.
    documents_here = (project_root / "docs").is_dir()
    for source in topic.sources:
        if is_project_document(source.url):
            found = document_problem(source.url, project_root) if documents_here else None
            problems.extend(() if found is None else (f"source {source.url!r}: {found}",))
        elif not is_https_url(source.url):
            problems.append(f"source link {source.url!r} is not a well-formed https URL")
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
