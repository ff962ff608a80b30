"""The route topics complaint, whistleblower, integrity, confidential-adviser and manager-hr.

Each test pins a correction of the December 2026 content review, so a later edit that
brings back the old, wrong or overstated sentence fails here.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlparse

import pytest

from knowledge.base import KnowledgeBase
from knowledge.model import Topic

ROUTES = ("complaint", "whistleblower", "integrity", "confidential-adviser", "manager-hr")
LANGS = ("nl", "en")
REVIEWED = date(2026, 12, 1)


def topic(kb: KnowledgeBase, topic_id: str, lang: str) -> Topic:
    return kb.topic(topic_id, lang)


def full_text(found: Topic) -> str:
    return " ".join([found.summary, found.intro, *(s.text for s in found.sections.values())])


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("topic_id", ROUTES)
def test_every_source_is_a_deep_link_read_at_the_review(
    shipped_kb: KnowledgeBase, topic_id: str, lang: str
) -> None:
    found = topic(shipped_kb, topic_id, lang)
    assert found.checked == REVIEWED
    for source in found.sources:
        assert urlparse(source.url).path not in ("", "/"), source.url
        assert source.checked == REVIEWED, source.url


@pytest.mark.parametrize(
    ("topic_id", "lang", "key"),
    [
        ("complaint", "nl", "after"),
        ("complaint", "en", "after"),
        ("complaint", "nl", "disagree"),
        ("complaint", "en", "disagree"),
        ("manager-hr", "nl", "manager-involved"),
        ("manager-hr", "en", "manager-involved"),
        ("integrity", "nl", "vpi"),
        ("integrity", "en", "vpi"),
        ("whistleblower", "nl", "who"),
        ("whistleblower", "en", "who"),
    ],
)
def test_the_sections_the_review_asked_for_exist(
    shipped_kb: KnowledgeBase, topic_id: str, lang: str, key: str
) -> None:
    assert topic(shipped_kb, topic_id, lang).section(key).text


def test_the_complaint_route_states_no_unconfirmed_step(shipped_kb: KnowledgeBase) -> None:
    # Whether the KCOO hears the accused is unconfirmed: "usually" at most.
    nl = full_text(topic(shipped_kb, "complaint", "nl"))
    en = full_text(topic(shipped_kb, "complaint", "en"))
    assert "hoort beide kanten" not in nl and "praat met jou en met de persoon" not in nl
    assert "hears both sides" not in en and "talks with you and with the person" not in en
    assert "Meestal hoort de persoon over wie je klaagt" in nl
    assert "Nationale ombudsman" in nl and "Nationale ombudsman" in en
    assert "Klachtencommissie Ongewenste Omgangsvormen Rijk" in en


def test_whistleblower_feedback_runs_from_the_acknowledgement(shipped_kb: KnowledgeBase) -> None:
    nl = topic(shipped_kb, "whistleblower", "nl").section("does").text
    en = topic(shipped_kb, "whistleblower", "en").section("does").text
    assert "Binnen 3 maanden na die bevestiging" in nl
    assert "Within 3 months of that confirmation" in en


def test_whistleblower_identity_rule_names_the_legal_exception(shipped_kb: KnowledgeBase) -> None:
    nl = topic(shipped_kb, "whistleblower", "nl").section("confidential").text
    en = topic(shipped_kb, "whistleblower", "en").section("confidential").text
    assert "uitdrukkelijk" not in nl and "explicit consent" not in en
    assert "rechtszaak" in nl and "court case" in en


def test_integrity_does_not_say_the_report_is_not_about_the_reporter(
    shipped_kb: KnowledgeBase,
) -> None:
    nl = full_text(topic(shipped_kb, "integrity", "nl"))
    en = full_text(topic(shipped_kb, "integrity", "en"))
    assert "minder om jouw herstel" not in nl and "less on your recovery" not in en
    assert "vertrouwenspersoon integriteit" in nl and "integrity confidential adviser" in en


def test_confidential_adviser_names_only_the_two_exceptions(shipped_kb: KnowledgeBase) -> None:
    nl = topic(shipped_kb, "confidential-adviser", "nl").section("confidential").text
    en = topic(shipped_kb, "confidential-adviser", "en").section("confidential").text
    assert "twee uitzonderingen" in nl and "two exceptions" in en
    for lang in LANGS:
        assert "Adviseursbureau" not in full_text(topic(shipped_kb, "confidential-adviser", lang))


def test_manager_hr_links_managers_to_their_own_topic(shipped_kb: KnowledgeBase) -> None:
    for lang in LANGS:
        assert "for-managers" in topic(shipped_kb, "manager-hr", lang).related
    nl = full_text(topic(shipped_kb, "manager-hr", "nl"))
    assert "open spreekuur" not in nl
    assert "geen toestemming van je werkgever nodig" in nl


@pytest.mark.parametrize(
    "text",
    [
        # Without these words in any topic the crisis check "repairs" them into
        # "vermoorden" and "verkracht" and shows the crisis answer.
        "ik heb een vermoeden van een misstand",
        "wat wordt er van mij verwacht",
    ],
)
def test_ordinary_words_are_not_read_as_crisis_words(shipped_kb: KnowledgeBase, text: str) -> None:
    assert shipped_kb.match(text, "nl").topic != "crisis"
