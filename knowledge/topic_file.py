"""Read one content file into a :class:`Topic`, checking every rule of docs/knowledge.md."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit

from bot.errors import KnowledgeError
from knowledge.contacts import Contacts, UnknownPlaceholder
from knowledge.frontmatter import FrontMatterError, RawDocument, parse_document
from knowledge.model import REQUIRED_SECTIONS, Section, Source, Topic
from knowledge.project_docs import is_project_document

MAX_TITLE = 40
MAX_SUMMARY = 120
REQUIRED_KEYS = ("id", "lang", "title", "summary", "examples", "keywords", "sources", "checked")
OPTIONAL_KEYS = ("related", "routes")
TOPIC_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class TopicRuleError(ValueError):
    """One rule is broken; :func:`read_topic` adds the file name."""


def read_topic(path: Path, lang: str, contacts: Contacts, origin: str) -> Topic:
    """Parse and validate ``path``; every problem becomes a KnowledgeError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
        return _build(parse_document(text), path, lang, contacts, origin)
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"{path}: cannot be read: {exc}") from None
    except (FrontMatterError, TopicRuleError, UnknownPlaceholder) as exc:
        raise KnowledgeError(f"{path}: {exc}") from None


def _build(document: RawDocument, path: Path, lang: str, contacts: Contacts, origin: str) -> Topic:
    meta = document.meta
    _check_keys(meta)
    topic_id = _text(meta, "id")
    if topic_id != path.stem or not TOPIC_ID.match(topic_id):
        raise TopicRuleError(f"id {topic_id!r} does not match the file name {path.name!r}")
    if _text(meta, "lang") != lang:
        raise TopicRuleError(f"lang {meta['lang']!r} does not match its folder {lang!r}")
    if not document.intro:
        raise TopicRuleError("has no intro text before the first '## ' heading")
    sections = _sections(document, topic_id, lang, contacts)
    return Topic(
        id=topic_id,
        lang=lang,
        title=_bounded(meta, "title", MAX_TITLE),
        summary=contacts.fill(_bounded(meta, "summary", MAX_SUMMARY), lang),
        intro=contacts.fill(document.intro, lang),
        examples=_texts(meta, "examples", minimum=1),
        keywords=_texts(meta, "keywords", minimum=1),
        related=_texts(meta, "related") if "related" in meta else (),
        sources=_sources(meta),
        checked=_date(meta["checked"], "checked"),
        sections=sections,
        routes=_routes(meta, topic_id),
        origin=origin,
    )


def _check_keys(meta: dict[str, object]) -> None:
    missing = [key for key in REQUIRED_KEYS if key not in meta]
    if missing:
        raise TopicRuleError(f"front matter misses {', '.join(missing)}")
    unknown = sorted(set(meta) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        raise TopicRuleError(f"front matter has unknown keys {', '.join(unknown)}")


def _sections(
    document: RawDocument, topic_id: str, lang: str, contacts: Contacts
) -> MappingProxyType[str, Section]:
    sections: dict[str, Section] = {}
    for raw in document.sections:
        if raw.key in sections:
            raise TopicRuleError(f"section key {{#{raw.key}}} appears twice")
        text = contacts.fill(raw.text, lang)
        sections[raw.key] = Section(key=raw.key, heading=raw.heading, text=text)
    missing = [key for key in REQUIRED_SECTIONS.get(topic_id, ()) if key not in sections]
    if missing:
        raise TopicRuleError(f"misses required sections {', '.join('#' + k for k in missing)}")
    return MappingProxyType(sections)


def _routes(meta: dict[str, object], topic_id: str) -> tuple[str, ...]:
    if "routes" not in meta:
        if topic_id == "options":
            raise TopicRuleError("the options topic needs a 'routes' list")
        return ()
    return _texts(meta, "routes", minimum=1)


def _text(meta: dict[str, object], key: str) -> str:
    value = meta[key]
    if not isinstance(value, str) or not value.strip():
        raise TopicRuleError(f"{key} must be a non-empty text")
    return value.strip()


def _bounded(meta: dict[str, object], key: str, limit: int) -> str:
    value = _text(meta, key)
    if len(value) > limit:
        raise TopicRuleError(f"{key} is {len(value)} characters long, the maximum is {limit}")
    return value


def _texts(meta: dict[str, object], key: str, minimum: int = 0) -> tuple[str, ...]:
    value = meta[key]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise TopicRuleError(f"{key} must be a list of non-empty texts")
    if len(value) < minimum:
        raise TopicRuleError(f"{key} needs at least {minimum} entries")
    return tuple(v.strip() for v in value)


def _sources(meta: dict[str, object]) -> tuple[Source, ...]:
    value = meta["sources"]
    if not isinstance(value, list) or not value:
        raise TopicRuleError("sources must be a non-empty list")
    return tuple(_source(entry, number) for number, entry in enumerate(value, start=1))


def _source(entry: object, number: int) -> Source:
    if not isinstance(entry, dict) or set(entry) != {"title", "url", "checked"}:
        raise TopicRuleError(f"source {number} needs exactly title, url and checked")
    title, url = entry["title"], entry["url"]
    if not isinstance(title, str) or not title.strip():
        raise TopicRuleError(f"source {number} has no title")
    if not isinstance(url, str) or not (is_https_url(url) or is_project_document(url)):
        raise TopicRuleError(
            f"source {number} url {url!r} is neither a well-formed https URL "
            "nor a project document like docs/security.md#retention"
        )
    return Source(title=title.strip(), url=url, checked=_date(entry["checked"], f"source {number}"))


def is_https_url(url: str) -> bool:
    """True for an absolute https URL with a dotted host and no spaces."""
    if any(char.isspace() for char in url):
        return False
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme == "https" and "." in host and not host.endswith(".") and port_ok


def _date(value: object, label: str) -> date:
    # YAML gives a date for 2026-11-28 but a string when it was quoted.
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise TopicRuleError(f"{label}: checked must be a date like 2026-11-28, not {value!r}")
