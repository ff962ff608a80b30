"""Words people use for a topic without the topic's own word, and everyday matters.

Written in new words (not lines of the blind sets in tests/data): the word families in
knowledge/data/synonyms.toml and the everyday matters in knowledge/data/scope.toml must
catch phrasings that no topic text contains.
"""

from __future__ import annotations

import pytest

from knowledge.base import KnowledgeBase
from knowledge.matcher import FALLBACK

EVERYDAY = [
    ("nl", "wat staat er vandaag op het menu in het bedrijfsrestaurant"),
    ("nl", "hoe vraag ik ouderschapsverlof aan"),
    ("nl", "waar vind ik een treinkaartje voor mijn dienstreis"),
    ("nl", "gaat het morgen regenen"),
    ("nl", "wanneer krijg ik mijn periodiek"),
    ("nl", "teams blijft vastlopen"),
    # Once a known miss ("reply" made the bot ask about the follow-up).
    ("en", "how do I set up my out of office reply"),
    ("en", "my screen stays black when I plug in the docking station"),
    ("en", "how do I claim my travel allowance for a business trip"),
    ("en", "what time does the staff restaurant open"),
    ("en", "how much parental leave can I take"),
]

NAMED_IN_OTHER_WORDS = [
    ("nl", "manager-hr", "kan ik naar de chef van mijn chef"),
    ("en", "manager-hr", "can I go to my manager's manager about this"),
    ("nl", "integrity", "wat doet de vertrouwenspersoon integriteit"),
    ("en", "third-party", "a client keeps flirting with me on the phone, he is not a colleague"),
    # "lift" is an everyday word, but being shouted at is unwanted behaviour
    (
        "en",
        "bystander",
        "yesterday I saw a colleague from another team get shouted at in the lift, I did nothing",
    ),
]


@pytest.mark.parametrize(("lang", "text"), EVERYDAY)
def test_an_everyday_work_matter_gets_the_menu(
    knowledge: KnowledgeBase, lang: str, text: str
) -> None:
    found = knowledge.match(text, lang)
    assert (found.topic, found.confident) == (FALLBACK, False)


@pytest.mark.parametrize(("lang", "topic", "text"), NAMED_IN_OTHER_WORDS)
def test_a_topic_named_in_other_words_is_answered(
    knowledge: KnowledgeBase, lang: str, topic: str, text: str
) -> None:
    found = knowledge.match(text, lang)
    assert (found.topic, found.confident) == (topic, True)
