"""Turn free text into comparable tokens: casefold, strip accents, drop punctuation."""

from __future__ import annotations

import functools
import re
import unicodedata

# Apostrophes inside words are dropped rather than split on, so "don't" becomes
# "dont" and "zo'n" becomes "zon": one token each, as people often type them anyway.
_APOSTROPHES = re.compile(r"(?<=\w)['’‘`´](?=\w)")
_NOT_WORD = re.compile(r"[^\w]+|_+")
_SPACES = re.compile(r"\s+")


# Compatibility decomposition writes some characters as several: "ﬁ" as "fi", "½" as "1⁄2",
# U+FDFA as 18 letters, the most Unicode allows (UAX #15). Once accents are dropped, real text
# grows by a few such characters at most; a message made of the longest ones would make the
# crisis check and the matcher read 18 times its length. The decomposed text is kept to this
# many times the original; a test checks that no topic text reaches it.
MAX_EXPANSION = 3


def strip_accents(text: str) -> str:
    """Remove diacritics ("suïcide" → "suicide") but keep the base letters."""
    decomposed = unicodedata.normalize("NFKD", text)
    if not decomposed.isascii():  # most messages have nothing to strip
        decomposed = "".join(char for char in decomposed if not unicodedata.combining(char))
    return decomposed[: MAX_EXPANSION * len(text)]


# The matcher and the crisis check normalise one message several times over (up to eight for
# a question); remembering the last few makes that once. Strings are immutable, so sharing
# a result is safe, and the bound keeps strangers' messages from piling up.
@functools.lru_cache(maxsize=256)
def normalise(text: str) -> str:
    """Casefolded, accent-free text with punctuation turned into single spaces."""
    folded = strip_accents(text).casefold()
    joined = _APOSTROPHES.sub("", folded)
    spaced = _NOT_WORD.sub(" ", joined)
    return _SPACES.sub(" ", spaced).strip()


def tokenize(text: str) -> list[str]:
    """The words of ``text`` after :func:`normalise`."""
    cleaned = normalise(text)
    return cleaned.split(" ") if cleaned else []
