"""The privacy, signal, support, crisis and bystander texts say what the product and the
sources say, not more (issue 10: overstated anonymity, chosen advisers, missing facts)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.core import LANGUAGES
from knowledge.base import KnowledgeBase
from knowledge.facts import FACTS_FILE, ProductFacts
from knowledge.model import Topic

TEXTS = Path(__file__).parents[2] / "dialogs" / "texts"
FIVE_ACTIONS = ("distract", "delegate", "document", "delay", "direct")
AP_COMPLAINT = "https://autoriteitpersoonsgegevens.nl/nl/voordat-u-een-klacht-indient"


@pytest.fixture(scope="module")
def with_recovery_key() -> KnowledgeBase:
    return KnowledgeBase.load(facts=ProductFacts(retention_days=42, recovery_key=True))


def whole(topic: Topic) -> str:
    return "\n".join((topic.summary, topic.intro, *(s.text for s in topic.sections.values())))


def recovery_on(lang: str) -> str:
    return str(tomllib.loads(FACTS_FILE.read_text())[lang]["recovery-key-on"]).strip()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("topic_id", "key"), [("privacy", "data"), ("signal", "how")])
def test_with_a_recovery_key_the_text_says_its_holder_can_read_every_signal(
    with_recovery_key: KnowledgeBase, lang: str, topic_id: str, key: str
) -> None:
    text = with_recovery_key.topic(topic_id, lang).section(key).text
    assert recovery_on(lang) in text
    assert "42" in text, "the retention period comes from the setting"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_web_chat_is_much_harder_to_link_not_impossible(
    shipped_kb: KnowledgeBase, lang: str
) -> None:
    privacy = shipped_kb.topic("privacy", lang)
    for text in (
        privacy.section("webchat").text,
        shipped_kb.topic("signal", lang).section("levels").text,
    ):
        assert "proxy" in text and "firewall" in text and "IP" in text
    for wrong in ("kunnen je niet koppelen", "can't link it to you", "cannot link"):
        assert wrong not in whole(privacy)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_reporter_can_exclude_advisers_not_choose_them(
    shipped_kb: KnowledgeBase, lang: str
) -> None:
    for topic_id in ("privacy", "signal"):
        text = whole(shipped_kb.topic(topic_id, lang)).lower()
        assert "gekozen vertrouwenspersonen" not in text and "chosen" not in text
    how = shipped_kb.topic("signal", lang).section("how").text
    assert ("niet mag lezen" if lang == "nl" else "must not read") in how


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_signal_is_not_a_formal_report_and_anonymous_is_harder(
    shipped_kb: KnowledgeBase, lang: str
) -> None:
    signal = shipped_kb.topic("signal", lang)
    assert ("geen officiële melding" if lang == "nl" else "not a formal report") in signal.intro
    assert ("beide kanten" if lang == "nl" else "both sides") in signal.section("harder").text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_privacy_states_the_rights_and_the_complaint_to_the_authority(
    shipped_kb: KnowledgeBase, lang: str
) -> None:
    privacy = shipped_kb.topic("privacy", lang)
    rights = privacy.section("rights").text
    assert AP_COMPLAINT in rights
    assert ("ontvangstcode" if lang == "nl" else "receipt code") in rights
    sources = {source.url for source in privacy.sources}
    assert {"docs/security.md#retention", "docs/security.md#recovery"} <= sources
    assert "https://www.autoriteitpersoonsgegevens.nl" not in sources


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("topic_id", ["crisis", "support"])
def test_sexual_violence_line_and_113_from_abroad(
    shipped_kb: KnowledgeBase, lang: str, topic_id: str
) -> None:
    text = whole(shipped_kb.topic(topic_id, lang))
    assert "0800-0188" in text
    assert (
        "alleen vanuit Nederland" if lang == "nl" else "only works from the Netherlands"
    ) in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_slachtofferhulp_is_for_crimes_accidents_and_disasters(
    shipped_kb: KnowledgeBase, lang: str
) -> None:
    does = shipped_kb.topic("support", lang).section("does").text
    words = ("misdrijf", "ongeluk", "ramp") if lang == "nl" else ("crime", "accident", "disaster")
    assert all(word in does for word in words)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_bystander_intro_names_the_five_actions_as_the_buttons_do(
    shipped_kb: KnowledgeBase, lang: str
) -> None:
    labels = tomllib.loads((TEXTS / f"{lang}.toml").read_text())["bystander"]
    bystander = shipped_kb.topic("bystander", lang)
    for action in FIVE_ACTIONS:
        assert labels[action].lower() in bystander.intro.lower(), action
        assert bystander.section(action).heading == labels[action]
    if lang == "nl":
        assert "5 D" not in whole(bystander), "an English mnemonic; Dutch names the actions"
