"""How a published cell reads: in a table ("1.234", "<10"), and in words ("fewer than 10")."""

from __future__ import annotations

from collections.abc import Sequence

from bot.stats.report_texts import ReportTexts
from bot.stats.tables import Cell, below


def number(value: int, lang: str) -> str:
    """Digits grouped the way the reader's language does: 1.234 in Dutch, 1,234 in English."""
    grouped = f"{value:,}"
    return grouped.replace(",", ".") if lang == "nl" else grouped


def as_shown(cell: Cell, lang: str) -> str:
    return number(cell, lang) if isinstance(cell, int) else cell


def in_words(cell: Cell, texts: ReportTexts, threshold: int) -> str:
    """A number, "fewer than 10" for a small one, "not shown" for one hidden beside it."""
    if isinstance(cell, int):
        return number(cell, texts.lang)
    if cell == below(threshold):
        return texts.text("fewer_than", threshold=threshold)
    return texts.text("not_shown")


def listing(items: Sequence[str], texts: ReportTexts) -> str:
    """ "Q1, Q2 and Q3"."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {texts.text('and')} {items[-1]}"
