"""The knowledge base: every topic in every language, the matcher and the crisis check."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.core import LANGUAGES
from bot.errors import KnowledgeError
from knowledge.contacts import Contacts, UnknownPlaceholder, load_contacts
from knowledge.crisis import CrisisDetector
from knowledge.facts import DEFAULT_FACTS, ProductFacts, fact_texts
from knowledge.language import LanguageDetector, build_profile
from knowledge.lexicon import Lexicon, load_lexicons
from knowledge.loader import SHIPPED_CONTENT, TopicKey, read_topics
from knowledge.matcher import Matcher
from knowledge.model import Match, Topic
from knowledge.normalise import tokenize

CRISIS = "crisis"
CRISIS_SCORE = 1.0


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """Built once by :meth:`load` and passed to whoever answers questions."""

    topics_by_key: Mapping[TopicKey, Topic]
    contacts: Contacts
    matcher: Matcher
    language: LanguageDetector
    crisis: CrisisDetector

    @classmethod
    def load(
        cls,
        *,
        overlay: Path | None = None,
        webchat_url: str = "http://127.0.0.1:3978/",
        content_dir: Path | None = None,
        facts: ProductFacts = DEFAULT_FACTS,
    ) -> KnowledgeBase:
        """Read, check and index everything; raises KnowledgeError naming a broken file.

        ``facts`` are the settings the content states (retention, recovery key); the default
        is the settings' defaults, for tests.
        """
        content = SHIPPED_CONTENT if content_dir is None else content_dir
        contacts = load_contacts(content, overlay, webchat_url, fact_texts(facts))
        topics = read_topics(content, overlay, contacts)
        lexicons = load_lexicons()
        return cls(
            topics_by_key=topics,
            contacts=contacts,
            matcher=Matcher.build(topics.values(), lexicons),
            language=_language_detector(topics, lexicons),
            crisis=CrisisDetector.load(known=_known_words(topics, lexicons)),
        )

    def topic(self, topic_id: str, lang: str) -> Topic:
        found = self.topics_by_key.get((topic_id, lang))
        if found is None:
            raise KnowledgeError(f"no topic {topic_id!r} in language {lang!r}")
        return found

    def contact(self, key: str, lang: str) -> str:
        """The organisation's contact text for ``{{contact:key}}`` (overlay first)."""
        try:
            return self.contacts.contact(key, lang)
        except UnknownPlaceholder:
            raise KnowledgeError(f"no contact {key!r} in language {lang!r}") from None

    def has(self, topic_id: str, lang: str) -> bool:
        return (topic_id, lang) in self.topics_by_key

    def topics(self, lang: str) -> tuple[Topic, ...]:
        return tuple(topic for (_, found), topic in self.topics_by_key.items() if found == lang)

    def ids(self) -> tuple[str, ...]:
        return tuple(sorted({topic_id for topic_id, _ in self.topics_by_key}))

    def detect_language(self, text: str) -> str | None:
        """The language a whole message is clearly written in (never one word), or None."""
        return self.language.clearly(text)

    def is_crisis(self, text: str) -> bool:
        return self.crisis.is_crisis(text)

    def match(self, text: str, lang: str | None = None) -> Match:
        """The topic for ``text``; crisis language wins over everything else."""
        chosen = lang or self.language.detect(text) or LANGUAGES[0]
        if self.is_crisis(text):
            return Match(text, chosen, CRISIS, CRISIS_SCORE, True)
        return self.matcher.match(text, chosen)


def _language_detector(
    topics: Mapping[TopicKey, Topic], lexicons: Mapping[str, Lexicon]
) -> LanguageDetector:
    profiles = [
        build_profile(lang, lexicon.stopwords, _texts(topics, lang))
        for lang, lexicon in lexicons.items()
    ]
    return LanguageDetector(*profiles[:2])


def _texts(topics: Mapping[TopicKey, Topic], lang: str) -> list[str]:
    texts: list[str] = []
    for (_, found), topic in topics.items():
        if found == lang:
            texts.extend((topic.title, topic.summary, topic.intro, *topic.examples))
            texts.extend(section.text for section in topic.sections.values())
    return texts


def _known_words(topics: Mapping[TopicKey, Topic], lexicons: Mapping[str, Lexicon]) -> set[str]:
    words: set[str] = set()
    for lexicon in lexicons.values():
        words.update(lexicon.stopwords)
    for topic in topics.values():
        if topic.id != CRISIS:
            texts = (topic.intro, *topic.examples, *topic.keywords)
            for text in (*texts, *(section.text for section in topic.sections.values())):
                words.update(tokenize(text))
    return words
