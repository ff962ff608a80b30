"""Ask instead of guess: when the matcher answers, asks which topic is meant, or falls back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from knowledge.base import KnowledgeBase
from knowledge.lexicon import load_lexicons
from knowledge.matcher import match_to_json

# Each of these could be several topics: reporting here, the overview, or a manager's question.
# ("kan ik hier iets kwijt" was one; the labelled questions now read it as leaving a signal
# here, as a helper would.)
VAGUE = [("nl", "ik wil het ergens over hebben"), ("en", "I want to report my colleague")]
# Everyday work matters the bot has no page for, some phrased like a complaint.
OUT_OF_SCOPE = [
    ("nl", "hoe laat gaat de kantine open"),
    ("en", "when does the canteen open"),
    ("nl", "mijn salaris is te laat overgemaakt"),
    ("en", "I forgot my password"),
    ("nl", "de koffieautomaat op de derde verdieping is alweer kapot, bij wie moet ik dat melden"),
    ("en", "the printer on the third floor is broken again, who do I report that to"),
    ("nl", "waar kan ik mijn auto parkeren"),
    ("en", "how many leave days do I have left this year"),
    ("nl", "ik wil een klacht indienen over de parkeerplaatsen, er zijn er te weinig"),
    ("en", "the intranet is down again, is that a known problem?"),
]


@pytest.mark.parametrize(("lang", "text"), VAGUE)
def test_a_vague_question_asks_with_two_or_three_offerable_topics(
    shipped_kb: KnowledgeBase, lang: str, text: str
) -> None:
    match = shipped_kb.match(text, lang)
    assert match.asks and not match.confident
    assert 2 <= len(match.choices) <= 3
    assert len(set(match.choices)) == len(match.choices)
    assert "fallback" not in match.choices
    assert match.choices == (match.topic, *(alt.topic for alt in match.alternatives[:2]))


@pytest.mark.parametrize(("lang", "text"), OUT_OF_SCOPE)
def test_an_everyday_work_matter_falls_back_without_guessing(
    shipped_kb: KnowledgeBase, lang: str, text: str
) -> None:
    match = shipped_kb.match(text, lang)
    assert (match.topic, match.confident, match.asks, match.choices) == (
        "fallback",
        False,
        False,
        (),
    )


def test_an_everyday_word_in_a_story_of_unwanted_behaviour_keeps_its_topic(
    shipped_kb: KnowledgeBase,
) -> None:
    # "salaris" and "kantine" are out of scope alone; here they are where it happened.
    text = "in de kantine maakt een collega elke dag racistische grappen over mijn hoofddoek"
    assert shipped_kb.match(text, "nl").topic != "fallback"


@pytest.mark.parametrize(("lang", "text"), [*(("nl", w) for w in ("help", "hulp", "menu", "?"))])
def test_a_single_word_asking_for_help_is_the_help_topic(
    shipped_kb: KnowledgeBase, lang: str, text: str
) -> None:
    for said in (text, text.upper(), f" {text} "):
        match = shipped_kb.match(said, lang)
        assert (match.topic, match.confident) == ("help", True)
    assert shipped_kb.match("help", "en").topic == "help"


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        *(("nl", w) for w in ("hallo", "Hoi!", "hey", "goedemorgen", "Goedemiddag.", "hallo daar")),
        *(("en", w) for w in ("hello", "Hi!", "hi there", "good morning", "Hey.", "hiya")),
    ],
)
def test_a_greeting_alone_is_greeted_with_what_the_bot_can_do(
    shipped_kb: KnowledgeBase, lang: str, text: str
) -> None:
    # The first thing many people type: "I don't understand" would be a cold welcome.
    match = shipped_kb.match(text, lang)
    assert (match.topic, match.confident) == ("help", True)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("nl", "hallo, een collega maakt grappen over mijn afkomst"),
        ("en", "hi, my manager keeps making racist jokes"),
    ],
)
def test_a_greeting_before_a_question_is_the_question(
    shipped_kb: KnowledgeBase, lang: str, text: str
) -> None:
    assert shipped_kb.match(text, lang).topic != "help"


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("nl", "ik heb mijn code verloren"),
        ("nl", "ik ben mijn ontvangstcode kwijt"),
        ("en", "I lost my code"),
        ("en", "I forgot my receipt code, what now"),
    ],
)
def test_a_lost_code_is_answered_with_that_section(
    shipped_kb: KnowledgeBase, lang: str, text: str
) -> None:
    match = shipped_kb.match(text, lang)
    assert (match.topic, match.confident, match.section) == ("follow-up", True, "lost")


def test_a_code_question_without_losing_it_opens_the_whole_topic(shipped_kb: KnowledgeBase) -> None:
    match = shipped_kb.match("waar vul ik mijn ontvangstcode in", "nl")
    assert (match.topic, match.section) == ("follow-up", "")


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("nl", "ik ben vorige week op straat aangevallen door een collega, kan ik aangifte doen?"),
        ("en", "a colleague attacked me in the street last week, can I report it to the police?"),
    ],
)
def test_a_past_attack_with_a_reporting_question_is_police(
    shipped_kb: KnowledgeBase, lang: str, text: str
) -> None:
    match = shipped_kb.match(text, lang)
    assert (match.topic, match.confident) == ("police", True)


@pytest.mark.parametrize(
    ("lang", "text"), [*VAGUE, *OUT_OF_SCOPE[:2], ("nl", "wat doet een vertrouwenspersoon")]
)
def test_json_is_not_confident_exactly_when_the_bot_asks_or_falls_back(
    shipped_kb: KnowledgeBase, lang: str, text: str
) -> None:
    match = shipped_kb.match(text, lang)
    data = match_to_json(match)
    assert set(data) == {"text", "topic", "score", "lang", "alternatives", "confident"}
    assert data["confident"] is (not match.asks and match.topic != "fallback")
    if match.asks:
        offered = [alt["topic"] for alt in data["alternatives"]]  # type: ignore[union-attr]
        assert (data["topic"], *offered) == match.choices


def test_a_chatter_word_in_a_story_is_only_a_word(shipped_kb: KnowledgeBase) -> None:
    # "differently" is a word of the fallback topic ("say it differently"); here it is a story.
    text = "what are my options? my boss treats me differently since he found out im muslim"
    assert shipped_kb.match(text, "en").topic != "fallback"
    assert shipped_kb.match("huh", "en").topic == "fallback"


def test_a_malformed_scope_file_names_itself(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(Path(__file__).parents[2] / "knowledge" / "data", data)
    (data / "scope.toml").write_text('[nl]\nout_of_scope = "kantine"\n')
    with pytest.raises(KnowledgeError, match=r"scope\.toml.*out_of_scope"):
        load_lexicons(data)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("nl", "ik word gepest door mijn leidinggevende"),
        ("nl", "mijn leidinggevende discrimineert mij"),
        ("en", "my manager keeps making racist jokes"),
        ("en", "my boss is the problem, he discriminates against me"),
    ],
)
def test_a_manager_who_does_it_is_answered_with_what_to_do_then(
    shipped_kb: KnowledgeBase, lang: str, text: str
) -> None:
    # Not "talk to your manager" first: the section for a manager who is the problem.
    match = shipped_kb.match(text, lang)
    assert (match.topic, match.section) == ("manager-hr", "manager-involved")
