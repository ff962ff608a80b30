"""Spotting a receipt typed among ordinary words, so it is never matched, kept or shown back.

A receipt is found by its shape alone, never by the check symbol: a receipt with one typo
is as secret as a right one. The shapes are the ways people copy it by hand: one word of 21
symbols (``7F604GJRX1EJSY89KFZ36J``, dashes or dots anywhere inside), or the shown groups
of four with spaces between (``7F60 GJRX 1EJS Y89K FZ36 J``, the last group of one to five).

Ordinary words are no receipt: a receipt mixes digits and letters as typed (a 21-letter
Dutch word such as "arbeidsongeschiktheid" has none; the ``I``/``O`` look-alikes are not
counted as digits here), and spaced words must be exact groups of four, so a sentence of
short words with a number in it ("ik ben 34 jaar en werk bij de gemeente") is none either.
A phone number (digits only), a postcode (7 symbols) and a Dutch IBAN (18) never reach 21.
"""

from __future__ import annotations

import re
import unicodedata

from bot.seal.receipt import GROUP, RECEIPT_SYMBOLS, receipt_symbols
from knowledge.normalise import MAX_EXPANSION

# Between words: whitespace and the punctuation around a word in a sentence. Dashes, dots,
# slashes and underscores stay inside a word: people put them between the groups.
_WORD_BREAK = re.compile(r"[\s,:;!?()\[\]{}<>\"'«»“”‘’=+*&]+")
_INSIDE = re.compile(r"[-‐‑‒–—―._/\\]+")


def contains_receipt(text: str) -> bool:
    """True when ``text`` holds something shaped like a receipt (right or mistyped).

    The whole text is read, in one pass over its words (each start looks at most six words
    ahead): the caller bounds it, as the router does a message (at most 20,000 characters),
    so a code pasted at the end of a long story is found too.
    """
    words = [_groups(word) for word in _WORD_BREAK.split(_prepared(text))]
    for start, groups in enumerate(words):
        if groups is None:
            continue
        if _is_receipt_sized(groups) or _spaced(words, start):
            return True
    return False


def _prepared(text: str) -> str:
    # NFKC folds full-width digits and letters into ASCII (Unicode UAX #15), as reading does.
    # Bounded as the crisis check's reading is (knowledge/normalise.py): a flood of
    # ligatures that NFKC writes out at length is read at most three times as long.
    return unicodedata.normalize("NFKC", text)[: MAX_EXPANSION * len(text)].upper()


def _groups(word: str) -> list[str] | None:
    """The groups of receipt symbols in one word, or None when it is no part of a receipt."""
    # Other marks inside a word ("@", "#") are read past, as when a receipt is read.
    groups = [kept for part in _INSIDE.split(word) if (kept := _alnum(part))]
    # U is never issued, but a mistyped V is as secret as the receipt it was copied from.
    if not groups or any(receipt_symbols(group.replace("U", "V")) is None for group in groups):
        return None
    return groups


def _alnum(part: str) -> str:
    return "".join(char for char in part if char.isalnum())


def _spaced(words: list[list[str] | None], start: int) -> bool:
    """Groups of four over several words from ``start``, the last one of one to five."""
    taken: list[str] = []
    for groups in words[start:]:
        if groups is None:
            return False
        taken += groups
        if any(len(group) != GROUP for group in taken[:-1]):
            return False
        if sum(map(len, taken)) >= RECEIPT_SYMBOLS:
            last = len(taken[-1])
            return len(taken) > 1 and last <= GROUP + 1 and _is_receipt_sized(taken)
    return False


def _is_receipt_sized(groups: list[str]) -> bool:
    typed = "".join(groups)
    mixed = any(c.isdigit() for c in typed) and any(c.isalpha() for c in typed)
    return mixed and len(typed) == RECEIPT_SYMBOLS
