"""Topics retaliation, for-managers and legal-help: what they must say, nothing unconfirmed."""

from __future__ import annotations

import re

import pytest

from knowledge.base import KnowledgeBase
from knowledge.model import Topic

NEW_TOPICS = ("retaliation", "for-managers", "legal-help")
LANGS = ("nl", "en")
# docs/knowledge.md: the intro is the first answer, at most about 90 words.
MAX_INTRO_WORDS = 90
# A Dutch phone number (0900-8020, 030 888 38 88, 088 133 10 00, 0800-0880). The review of the
# shipped content marks the Juridisch Loket's and the unions' numbers unconfirmed; these topics
# link to the organisations instead of giving any number.
PHONE_NUMBER = re.compile(r"\b0\d{2,3}[\s-]?\d{2,}")
# The review of the shipped content: no article number for the Awgb victimisation clause.
ARTICLE_NUMBER = re.compile(r"\b(artikel|article|art\.)\s*\d", re.IGNORECASE)
# The word list: words B1 texts avoid.
AVOIDED_WORDS = (
    "onheus",
    "met zoveel woorden",
    "diens",
    "uitdrukkelijk",
    "verboden onderscheid",
    "vervelend",
    "adviseursbureau",
)


def full_text(topic: Topic) -> str:
    """Everything a user can be shown, in reading order."""
    parts = [topic.title, topic.summary, topic.intro]
    parts.extend(f"{s.heading}\n{s.text}" for s in topic.sections.values())
    return "\n".join(parts)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("topic_id", NEW_TOPICS)
def test_the_topic_exists_with_a_short_first_answer(
    shipped_kb: KnowledgeBase, topic_id: str, lang: str
) -> None:
    topic = shipped_kb.topic(topic_id, lang)
    assert len(topic.intro.split()) <= MAX_INTRO_WORDS
    assert topic.sections, "a free topic still answers follow-up questions in sections"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("topic_id", NEW_TOPICS)
def test_no_phone_numbers_and_no_article_numbers(
    shipped_kb: KnowledgeBase, topic_id: str, lang: str
) -> None:
    text = full_text(shipped_kb.topic(topic_id, lang))
    assert not PHONE_NUMBER.search(text)
    assert not ARTICLE_NUMBER.search(text)


@pytest.mark.parametrize("topic_id", NEW_TOPICS)
def test_dutch_texts_avoid_the_listed_words(shipped_kb: KnowledgeBase, topic_id: str) -> None:
    text = full_text(shipped_kb.topic(topic_id, "nl")).lower()
    assert [word for word in AVOIDED_WORDS if re.search(rf"\b{word}\b", text)] == []


@pytest.mark.parametrize("topic_id", NEW_TOPICS)
def test_benadeling_is_explained_where_it_first_appears(
    shipped_kb: KnowledgeBase, topic_id: str
) -> None:
    topic = shipped_kb.topic(topic_id, "nl")
    body = "\n".join([topic.intro, *(s.text for s in topic.sections.values())])
    first = body.lower().find("benadel")
    if first == -1:
        return
    # The explanation ("slechter behandeld ... omdat ... meldde") is right next to it.
    nearby = body[max(0, first - 160) : first + 160]
    assert re.search(r"slechter (wordt )?behandeld.{0,60}omdat", nearby)


@pytest.mark.parametrize(
    ("lang", "section", "words"),
    [
        ("nl", "whistleblower", ("bewijslast", "werkgever moet bewijzen")),
        ("en", "whistleblower", ("burden of proof", "employer has to prove")),
        ("nl", "equal-treatment", ("victimisatieverbod",)),
        ("en", "equal-treatment", ("victimisation ban",)),
    ],
)
def test_retaliation_states_the_protection_in_law(
    shipped_kb: KnowledgeBase, lang: str, section: str, words: tuple[str, ...]
) -> None:
    text = shipped_kb.topic("retaliation", lang).section(section).text.lower()
    assert [word for word in words if word not in text] == []


@pytest.mark.parametrize("lang", LANGS)
def test_legal_help_names_the_kantonrechter_since_2020(
    shipped_kb: KnowledgeBase, lang: str
) -> None:
    topic = shipped_kb.topic("legal-help", lang)
    for text in (topic.intro, topic.section("court").text):
        assert "kantonrechter" in text.lower() or "subdistrict court" in text.lower()
    assert "1 januari 2020" in topic.intro or "1 January 2020" in topic.intro


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        # "retaliation" used to be read as whistleblower; fear of it before reporting
        # wrongdoing must still lead there.
        ("en", "will I be protected against retaliation if I blow the whistle", "whistleblower"),
        ("nl", "ben ik beschermd tegen represailles als ik een misstand meld", "whistleblower"),
        ("en", "my boss is getting back at me because I reported him", "retaliation"),
        ("nl", "ik word tegengewerkt omdat ik het gemeld heb", "retaliation"),
        # Worse treatment because of who you are is discrimination, not benadeling.
        (
            "nl",
            "ik word benadeeld vanwege mijn geloof, kan ik naar het college",
            "human-rights-college",
        ),
        (
            "en",
            "I'm a manager and someone in my team told me they are being harassed",
            "for-managers",
        ),
        ("nl", "kan ik met mijn werkgever naar de kantonrechter", "legal-help"),
    ],
)
def test_questions_near_the_new_topics_land_where_they_belong(
    shipped_kb: KnowledgeBase, lang: str, text: str, expected: str
) -> None:
    assert shipped_kb.match(text, lang).topic == expected
