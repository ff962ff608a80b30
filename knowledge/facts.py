"""Product facts: what the software does as configured, stated in the content by placeholders.

``{{retention_days}}`` and ``{{recovery_key}}`` describe this installation, not the law, so
their texts live in the shipped ``facts.toml`` and an organisation overlay cannot change them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from bot.core import LANGUAGES
from bot.errors import KnowledgeError
from knowledge.toml_file import read_toml

FACTS_FILE = Path(__file__).with_name("content") / "facts.toml"
RECOVERY_KEY_TEXTS = ("recovery-key-on", "recovery-key-off")
DEFAULT_RETENTION_DAYS = 180  # bot/settings.py's default for MELDWIJZER_RETENTION_DAYS


@dataclass(frozen=True, slots=True)
class ProductFacts:
    """The settings the content states: retention period and whether a recovery key exists."""

    retention_days: int = DEFAULT_RETENTION_DAYS
    recovery_key: bool = False


DEFAULT_FACTS = ProductFacts()  # the settings' defaults, for tests and tools without settings


def fact_texts(facts: ProductFacts, path: Path = FACTS_FILE) -> Mapping[str, Mapping[str, str]]:
    """Per language, the text of each fact placeholder (name without braces)."""
    data = read_toml(path)
    texts: dict[str, Mapping[str, str]] = {}
    for lang in LANGUAGES:
        entries = data.get(lang)
        if not isinstance(entries, dict) or set(entries) != set(RECOVERY_KEY_TEXTS):
            raise KnowledgeError(
                f"{path}: [{lang}] needs exactly the texts {', '.join(RECOVERY_KEY_TEXTS)}"
            )
        if not all(isinstance(value, str) and value.strip() for value in entries.values()):
            raise KnowledgeError(f"{path}: [{lang}] texts must be non-empty")
        chosen = "recovery-key-on" if facts.recovery_key else "recovery-key-off"
        texts[lang] = MappingProxyType(
            {"retention_days": str(facts.retention_days), "recovery_key": entries[chosen].strip()}
        )
    return MappingProxyType(texts)
