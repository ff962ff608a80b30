"""Compatibility decomposition can write one character as many (U+FDFA as 18, the most
Unicode allows): a stranger's message of such characters must not make the crisis check and
the matcher read many times the text, while no real text loses a letter."""

from __future__ import annotations

from bot.seal.receipt_shape import contains_receipt
from knowledge.base import KnowledgeBase
from knowledge.normalise import MAX_EXPANSION, normalise, strip_accents

LONGEST = "\ufdfa"  # ARABIC LIGATURE SALLALLAHOU ALAYHE WASALLAM: 18 characters in NFKD


def test_the_longest_decomposition_is_bounded() -> None:
    assert len(strip_accents(LONGEST)) <= MAX_EXPANSION
    flood = LONGEST * 2000
    assert len(strip_accents(flood)) <= MAX_EXPANSION * len(flood)
    assert len(normalise(flood)) <= MAX_EXPANSION * len(flood)


def test_real_text_is_never_cut(shipped_kb: KnowledgeBase) -> None:
    texts = [
        "Ik voel me niet veilig: ﬁjn is anders… ½ jaar lang, café, suïcide, Ærø, ß",
        *(
            section.text
            for topic in shipped_kb.topics_by_key.values()
            for section in topic.sections.values()
        ),
    ]
    for text in texts:
        assert len(strip_accents(text)) < MAX_EXPANSION * len(text) or not text


def test_crisis_words_after_a_flood_of_ligatures_are_still_read(shipped_kb: KnowledgeBase) -> None:
    assert shipped_kb.is_crisis("ik wil niet meer leven " + "\ufb01" * 500)


def test_the_receipt_shape_check_reads_a_bounded_text_too() -> None:
    # The same bound: a flood of ligatures is read as at most three times its length.
    assert not contains_receipt(LONGEST * 2000)
    assert contains_receipt("\ufb01" * 50 + " 7F60-GJRX-1EJS-Y89K-FZ36-J")
