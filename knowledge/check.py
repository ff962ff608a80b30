"""``meldwijzer knowledge check``: every problem in the loaded knowledge base, one line each."""

from __future__ import annotations

from typing import Protocol

from bot.core import LANGUAGES
from knowledge.matcher import FALLBACK
from knowledge.model import TOPIC_IDS, Match, Topic
from knowledge.topic_file import is_https_url


class CheckedBase(Protocol):
    """What the check needs from a knowledge base."""

    def ids(self) -> tuple[str, ...]: ...
    def has(self, topic_id: str, lang: str) -> bool: ...
    def topics(self, lang: str) -> tuple[Topic, ...]: ...
    def match(self, text: str, lang: str | None = None) -> Match: ...


def check(kb: CheckedBase) -> list[str]:
    """Problems that loading alone does not catch; an empty list means all is well."""
    problems = _missing_translations(kb)
    for lang in LANGUAGES:
        for topic in kb.topics(lang):
            problems.extend(_topic_problems(kb, topic))
    return problems


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
    problems.extend(
        f"{where}: source link {source.url!r} is not a well-formed https URL"
        for source in topic.sources
        if not is_https_url(source.url)
    )
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
