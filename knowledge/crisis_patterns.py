"""The crisis patterns of crisis.toml, compiled so that one message costs a few searches.

There are about 135 patterns, and Python's ``re`` tries a pattern that starts with ``\\b`` at
every position of the text: about a microsecond per pattern for a question, most of a turn's
matching. Two things make it cheaper and change no answer:

* Each list is one expression, its patterns as alternatives: "any pattern matches" is "the
  alternation matches" (a backreference would then point at another pattern's group, so a
  pattern with one is refused).
* In normalised text (words of letters and digits, single spaces) a pattern ``\\bX`` whose
  every alternative starts with a letter or digit can only match where a word begins: at the
  start or after a space. So ``" X"`` is searched in the text with a space in front, and
  ``re`` then only tries the positions of a space. Patterns of another shape (no ``\\b``
  first, an optional first letter, an anchor, a lookbehind) are searched as written. Text
  that is not normalised is searched with every pattern as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.errors import KnowledgeError

# "~ " in a pattern stands for up to three words of any kind ("ik wil echt gewoon dood").
_GAP = "~ "
_GAP_PATTERN = r"(?:\w+ ){0,3}"
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")
_BOUNDARY = "\\b"
# A first letter that is not optional: a letter or digit not followed by ?, * or {.
_WORD_START = re.compile(r"[a-z0-9](?![?*{])")
# Shapes that look at what comes before a match, or at the start of the text.
_LOOKS_BEFORE = re.compile(r"\(\?<[=!]|\^|\\A|\\B")
_NOT_NORMALISED = re.compile(r"[^\w ]|_|  |^ | $")
_NOTHING = re.compile(r"(?!)")


@dataclass(frozen=True, slots=True)
class PatternList:
    """One list of patterns: those that start at a word, and the others, and all as written."""

    at_words: re.Pattern[str]  # searched in " " + text
    elsewhere: re.Pattern[str]
    as_written: re.Pattern[str]

    def search(self, text: str, padded: str | None) -> bool:
        """``padded``: the normalised ``text`` with a space in front, or None if not normalised."""
        if padded is None:
            return bool(self.as_written.search(text))
        return bool(self.at_words.search(padded) or self.elsewhere.search(text))


@dataclass(frozen=True, slots=True)
class CrisisPatterns:
    """Suicide and danger to oneself now always count; other danger unless online, not acute."""

    suicide: PatternList
    present: PatternList
    danger: PatternList
    not_acute: PatternList
    acute: PatternList

    def fire(self, text: str) -> bool:
        padded = None if _NOT_NORMALISED.search(text) else " " + text
        if self.suicide.search(text, padded) or self.present.search(text, padded):
            return True
        if not self.danger.search(text, padded):
            return False
        return not self.not_acute.search(text, padded) or self.acute.search(text, padded)


def compile_list(patterns: list[str], path: Path) -> PatternList:
    """One list of crisis.toml; a pattern that does not compile or refers back is named."""
    at_words: list[str] = []
    elsewhere: list[str] = []
    for pattern in patterns:
        expanded = pattern.replace(_GAP, _GAP_PATTERN)
        try:
            re.compile(expanded)
        except re.error as exc:
            raise KnowledgeError(
                f"{path}: pattern {pattern!r} is not a valid expression: {exc}"
            ) from None
        if _BACKREFERENCE.search(pattern):
            raise KnowledgeError(f"{path}: pattern {pattern!r} refers back to a group")
        rest = expanded.removeprefix(_BOUNDARY)
        if rest != expanded and _starts_at_a_word(rest) and not _LOOKS_BEFORE.search(rest):
            at_words.append(rest)
        else:
            elsewhere.append(expanded)
    return PatternList(
        at_words=_alternation(at_words, prefix=" "),
        elsewhere=_alternation(elsewhere),
        as_written=_alternation([p.replace(_GAP, _GAP_PATTERN) for p in patterns]),
    )


def _alternation(patterns: list[str], prefix: str = "") -> re.Pattern[str]:
    if not patterns:
        return _NOTHING
    return re.compile(prefix + "(?:" + "|".join(f"(?:{pattern})" for pattern in patterns) + ")")


def _starts_at_a_word(pattern: str) -> bool:
    """True when every way ``pattern`` can match begins with a letter or digit."""
    if len(_split_top_level(pattern)) != 1:
        return False  # "\\bX|Y": the boundary belongs to X alone
    if _WORD_START.match(pattern):
        return True
    if not pattern.startswith("(") or pattern.startswith("(?"):
        return False
    group = _leading_group(pattern)
    if group is None or pattern[len(group) + 2 : len(group) + 3] in ("?", "*", "{"):
        return False  # "(ik)? wil": the group may be left out, and the match start at a space
    return all(_WORD_START.match(a) for a in _split_top_level(group))


def _leading_group(pattern: str) -> str | None:
    """The inside of the group that ``pattern`` starts with, or None if it does not close."""
    depth = 0
    for position, char in _unescaped(pattern):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return pattern[1:position]
    return None


def _split_top_level(pattern: str) -> list[str]:
    """``pattern`` cut at each ``|`` outside groups and classes."""
    parts: list[str] = []
    depth = 0
    start = 0
    for position, char in _unescaped(pattern):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0:
            parts.append(pattern[start:position])
            start = position + 1
    return [*parts, pattern[start:]]


def _unescaped(pattern: str) -> list[tuple[int, str]]:
    """Positions and characters of ``pattern`` outside escapes and character classes."""
    found: list[tuple[int, str]] = []
    position = class_start = 0
    in_class = False
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            position += 2
            continue
        if in_class:
            # "]" first in a class ("[]a]", "[^]a]") is a member, not the end.
            opened = pattern[class_start + 1 : position].lstrip("^") == ""
            in_class = char != "]" or opened
        elif char == "[":
            in_class, class_start = True, position
        else:
            found.append((position, char))
        position += 1
    return found
