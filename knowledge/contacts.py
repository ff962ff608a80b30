"""Organisation contacts, product facts and the ``{{...}}`` placeholders they fill in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from bot.errors import KnowledgeError
from knowledge.toml_file import read_toml

CONTACTS_FILE = "contacts.toml"
_PLACEHOLDER = re.compile(r"\{\{\s*(?P<name>[^{}]*?)\s*\}\}")
_CONTACT_PREFIX = "contact:"


class UnknownPlaceholder(ValueError):
    """A ``{{...}}`` names nothing we can fill in; the loader adds the file name."""


@dataclass(frozen=True, slots=True)
class Contacts:
    """Contact texts per language and key, the web chat address and the product facts."""

    by_lang: Mapping[str, Mapping[str, str]]
    webchat_url: str
    facts: Mapping[str, Mapping[str, str]]

    def fill(self, text: str, lang: str) -> str:
        """Fill every placeholder in ``text``; an unknown one raises :class:`UnknownPlaceholder`."""
        return _PLACEHOLDER.sub(lambda found: self._value(found["name"], lang), text)

    def contact(self, key: str, lang: str) -> str:
        """The filled text of ``{{contact:key}}``; raises :class:`UnknownPlaceholder` if unknown."""
        return self._value(f"{_CONTACT_PREFIX}{key}", lang)

    def _value(self, name: str, lang: str) -> str:
        if name == "webchat_url":
            return self.webchat_url
        fact = self.facts.get(lang, {}).get(name)
        if fact is not None:
            return fact
        if name.startswith(_CONTACT_PREFIX):
            key = name.removeprefix(_CONTACT_PREFIX).strip()
            value = self.by_lang.get(lang, {}).get(key)
            if value is not None:
                # A contact text may point at the web chat itself.
                return _PLACEHOLDER.sub(
                    lambda inner: self.webchat_url if inner["name"] == "webchat_url" else "",
                    value,
                )
        raise UnknownPlaceholder(f"unknown placeholder {{{{{name}}}}} for language {lang!r}")


def load_contacts(
    shipped: Path,
    overlay: Path | None,
    webchat_url: str,
    facts: Mapping[str, Mapping[str, str]],
) -> Contacts:
    """The shipped contacts, overridden key by key by the overlay's ``contacts.toml``.

    ``facts`` are the product-fact texts (knowledge/facts.py); no overlay file changes them.
    """
    merged: dict[str, dict[str, str]] = {}
    for path in (shipped / CONTACTS_FILE, *(() if overlay is None else (overlay / CONTACTS_FILE,))):
        if path.is_file():
            for lang, entries in _read(path).items():
                merged.setdefault(lang, {}).update(entries)
    return Contacts(
        by_lang=MappingProxyType({lang: MappingProxyType(e) for lang, e in merged.items()}),
        webchat_url=webchat_url,
        facts=facts,
    )


def _read(path: Path) -> dict[str, dict[str, str]]:
    data = read_toml(path)
    result: dict[str, dict[str, str]] = {}
    for lang, entries in data.items():
        if not isinstance(entries, dict) or not all(isinstance(v, str) for v in entries.values()):
            raise KnowledgeError(f"{path}: [{lang}] must be a table of text values")
        result[lang] = dict(entries)
    return result
