"""Hear an explicit wish for the other language ("can you speak English?", "kun je Nederlands?").

A request is a short message made only of request words around a language's name, in either
language. One unknown word ("mijn manager spreekt alleen Engels tegen mij") makes it a
question about something else, which the matcher answers. A person who says they do not
speak a language ("ik spreek geen Engels", "I don't speak Dutch") asks for the other one.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import OSA

from knowledge.normalise import normalise


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Longer than any request people type; a longer text is a question, and never costs more.
MAX_REQUEST_CHARS = 120
MAX_REQUEST_WORDS = 12
# A name of six letters or more may carry one slip ("Englsh", "Nederlans"); shorter words
# are too close to others ("engel" is an angel).
MIN_TYPO_LENGTH = 6
LANGUAGE_NAMES: dict[str, frozenset[str]] = {
    "en": frozenset({"english", "engels", "engelse", "engelstalig", "englisch"}),
    "nl": frozenset({"dutch", "nederlands", "nederlandse", "nederlandstalig", "hollands"}),
}
_NAMES = tuple((name, lang) for lang, names in LANGUAGE_NAMES.items() for name in names)
# Words that make a message a request or a statement about understanding a language.
CUES = _words(
    """
    speak speaks talk write answer reply respond continue switch change go use prefer rather
    want like can could would will may understand read know good well bad ok okay fine
    possible better speaking version
    spreek spreekt spreken praat praten schrijf schrijven antwoord antwoorden verder doorgaan
    ga gaan overschakelen overstappen overgaan wissel wisselen switchen veranderen gebruik
    liever mag mogen kan kun kunt kunnen wil wilt willen zou zouden versta verstaat verstaan
    begrijp begrijpt begrijpen snap lees lezen goed slecht beter oke mogelijk prima versie
    """
)
# Courtesy and the words around a bare name ("in het Engels graag", "English please").
COURTESY = _words(
    """
    please pls plz thanks thank in the sorry hi hello hey
    graag alsjeblieft alstublieft aub svp dank bedankt het de hoi hallo
    """
)
# Allowed next to a cue: pronouns, articles, small verbs and adverbs.
GLUE = _words(
    """
    you u ye i im id ive ill we us me my it is are am do does did be to into a an also only
    just now from with this that conversation chat language instead of than more very so really
    little bit here there lets let maybe help again back further on have has there
    je jij jou ik wij we me mij mijn mn het is ben bent zijn doe doet naar een ook alleen nu
    vanaf voortaan met dit dat gesprek taal plaats van dan meer zo heel echt beetje weinig
    hier er even misschien helpen weer terug op over heb hebt heeft hebben
    """
)
NEGATIONS = frozenset({"not", "dont", "doesnt", "cant", "cannot", "never", "niet", "geen", "nooit"})
SECOND_PERSON = frozenset({"you", "u", "ye", "we", "us", "je", "jij", "jou", "wij"})
_CLAUSES = re.compile(r"[,.;:!?]+|\b(?:but|maar|or)\b", re.IGNORECASE)
_ANY_REQUEST_WORD = COURTESY | CUES | GLUE | NEGATIONS


def requested_language(text: str) -> str | None:
    """The language ``text`` asks for, or None when it is no request for one."""
    if len(text) > MAX_REQUEST_CHARS:
        return None
    clauses = [normalise(part).split() for part in _CLAUSES.split(text)]
    if sum(len(words) for words in clauses) > MAX_REQUEST_WORDS:
        return None
    wanted: set[str] = set()
    for words in clauses:
        verdict = _clause(words)
        if verdict is False:
            return None
        if isinstance(verdict, str):
            wanted.add(verdict)
    return wanted.pop() if len(wanted) == 1 else None


def _clause(words: list[str]) -> str | bool:
    """A clause's wish: a language, True for no language named, False for no request."""
    named = {lang for word in words if (lang := _language_named(word))}
    if not named:
        return all(word in _ANY_REQUEST_WORD for word in words)
    if len(named) > 1:
        return False
    rest = [word for word in words if not _language_named(word)]
    has_cue = any(word in CUES for word in rest)
    allowed = _ANY_REQUEST_WORD if has_cue else COURTESY
    if not all(word in allowed for word in rest):
        return False
    lang = named.pop()
    # "ik spreek geen Engels": said of oneself, not asked of the bot ("spreek je geen Engels?").
    if any(word in NEGATIONS for word in rest) and not any(w in SECOND_PERSON for w in rest):
        return next(other for other in LANGUAGE_NAMES if other != lang)
    return lang


def _language_named(word: str) -> str | None:
    for name, lang in _NAMES:
        if word == name:
            return lang
    if len(word) < MIN_TYPO_LENGTH:
        return None
    for name, lang in _NAMES:
        if len(name) >= MIN_TYPO_LENGTH and OSA.distance(word, name, score_cutoff=1) <= 1:
            return lang
    return None
