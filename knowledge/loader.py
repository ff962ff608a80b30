"""Load the shipped topics and an organisation overlay into one table of topics."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from bot.core import LANGUAGES
from bot.errors import KnowledgeError
from knowledge.contacts import Contacts, load_contacts
from knowledge.facts import DEFAULT_FACTS, ProductFacts, fact_texts
from knowledge.model import TOPIC_IDS, Topic
from knowledge.topic_file import read_topic

SHIPPED_CONTENT = Path(__file__).with_name("content")

TopicKey = tuple[str, str]  # (topic id, language)


def load_topics(
    content_dir: Path = SHIPPED_CONTENT,
    *,
    overlay: Path | None = None,
    webchat_url: str = "http://127.0.0.1:3978/",
    facts: ProductFacts = DEFAULT_FACTS,
) -> Mapping[TopicKey, Topic]:
    """Every topic by (id, lang); an overlay file replaces the shipped one with the same key."""
    contacts = load_contacts(content_dir, overlay, webchat_url, fact_texts(facts))
    return read_topics(content_dir, overlay, contacts)


def read_topics(
    content_dir: Path, overlay: Path | None, contacts: Contacts
) -> Mapping[TopicKey, Topic]:
    """Like :func:`load_topics`, with the placeholders' texts already loaded."""
    if not content_dir.is_dir():
        raise KnowledgeError(f"{content_dir}: content folder does not exist")
    if overlay is not None and not overlay.is_dir():
        raise KnowledgeError(f"{overlay}: overlay folder does not exist")
    topics: dict[TopicKey, Topic] = {}
    for lang in LANGUAGES:
        for path in _topic_files(content_dir / lang):
            topic = read_topic(path, lang, contacts, origin="shipped")
            if topic.id not in TOPIC_IDS:
                raise KnowledgeError(f"{path}: {topic.id!r} is not one of the fixed topic ids")
            topics[(topic.id, lang)] = topic
        if overlay is not None:
            for path in _topic_files(overlay / lang):
                topic = read_topic(path, lang, contacts, origin="overlay")
                topics[(topic.id, lang)] = topic
    if not topics:
        raise KnowledgeError(f"{content_dir}: holds no topic files")
    return MappingProxyType(dict(sorted(topics.items())))


def _topic_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.md")) if folder.is_dir() else []
