"""Interface texts (button labels, prompts) in every language, from ``texts/<lang>.toml``."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from bot.core import LANGUAGES
from bot.errors import KnowledgeError
from knowledge.toml_file import read_toml

_FOLDER = Path(__file__).parent / "texts"


@dataclass(frozen=True, slots=True)
class Messages:
    """Interface texts per language; every language has the same keys."""

    catalogue: Mapping[str, Mapping[str, str]]

    @classmethod
    def load(cls, folder: Path = _FOLDER) -> Messages:
        catalogue = {lang: _read(folder / f"{lang}.toml") for lang in LANGUAGES}
        reference = set(catalogue[LANGUAGES[0]])
        for lang, texts in catalogue.items():
            if set(texts) != reference:
                missing = sorted(reference.symmetric_difference(texts))
                raise KnowledgeError(f"messages/{lang}.toml: keys differ: {', '.join(missing)}")
        return cls(MappingProxyType(catalogue))

    def text(self, lang: str, key: str, **values: str) -> str:
        template = self.catalogue[lang][key]
        return string.Template(template).safe_substitute(values) if values else template


def _read(path: Path) -> Mapping[str, str]:
    raw = read_toml(path)
    flat: dict[str, str] = {}
    _flatten(raw, "", flat)
    return MappingProxyType(flat)


def _flatten(node: Mapping[str, object], prefix: str, out: dict[str, str]) -> None:
    for key, value in node.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(value, f"{name}.", out)
        elif isinstance(value, str):
            out[name] = value
        else:
            raise KnowledgeError(f"interface text {name!r} is not a string")
