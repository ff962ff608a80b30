"""The product's name in what people read: "Meldwijzer", never "de Meldwijzer"."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Every place Dutch words shown to people live: dialog texts, notices and digests, the web
# chat's page, script and error pages, and the knowledge base.
PEOPLE_READ = (
    "dialogs/texts/*.toml",
    "bot/outbox/texts.py",
    "adapters/webchat/*.py",
    "adapters/webchat/static/*",
    "knowledge/content/**/*.md",
)
WITH_ARTICLE = re.compile(r"\b[Dd]e Meldwijzer\b")


def test_the_name_stands_without_an_article() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for pattern in PEOPLE_READ
        for path in sorted(ROOT.glob(pattern))
        if path.is_file()
        for line in path.read_text(encoding="utf-8").splitlines()
        if WITH_ARTICLE.search(line)
    ]
    assert found == []
