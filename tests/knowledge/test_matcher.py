from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from knowledge.base import KnowledgeBase
from knowledge.check import check
from knowledge.lexicon import load_lexicons
from knowledge.matcher import match_to_json
from knowledge.model import TOPIC_IDS
from tests.knowledge.conftest import ACCURACY_LINES, FIXTURE_DAY

UTTERANCES = Path(__file__).parents[1] / "data" / "utterances.tsv"
ACCURACY_FLOOR = 0.85


def labelled() -> list[tuple[str, str, str]]:
    rows = []
    for line in UTTERANCES.read_text(encoding="utf-8").splitlines():
        lang, topic, text = line.split("\t")
        rows.append((lang, topic, text))
    return rows


def test_labelled_set_is_big_and_covers_every_topic() -> None:
    rows = labelled()
    assert len(rows) >= 200
    for topic in TOPIC_IDS:
        assert sum(1 for _, label, _ in rows if label == topic) >= 6, topic
    assert {lang for lang, _, _ in rows} == {"nl", "en"}


def test_matcher_accuracy_on_unseen_utterances(shipped_kb: KnowledgeBase) -> None:
    rows = labelled()
    misses = [
        f"{lang} {text!r}: {found} (wanted {topic})"
        for lang, topic, text in rows
        if (found := shipped_kb.match(text, lang).topic) != topic
    ]
    accuracy = 1 - len(misses) / len(rows)
    line = f"matcher accuracy: {accuracy:.3f} ({len(rows) - len(misses)}/{len(rows)})"
    print(line)
    ACCURACY_LINES.append(line)
    assert accuracy >= ACCURACY_FLOOR, "\n".join(misses)


def test_fallback_and_crisis_outcomes(shipped_kb: KnowledgeBase) -> None:
    nonsense = shipped_kb.match("qwertyuiop zxcv", "en")
    assert (nonsense.topic, nonsense.confident) == ("fallback", False)
    crisis = shipped_kb.match("ik wil niet meer leven")
    assert (crisis.topic, crisis.lang, crisis.confident) == ("crisis", "nl", True)


def test_detects_language_when_not_given(shipped_kb: KnowledgeBase) -> None:
    assert shipped_kb.match("how do I file a complaint").lang == "en"
    assert shipped_kb.match("hoe dien ik een klacht in").lang == "nl"


def test_mixed_language_still_finds_the_topic(shipped_kb: KnowledgeBase) -> None:
    assert shipped_kb.match("ik wil een complaint indienen", "nl").topic == "complaint"


def test_json_shape(shipped_kb: KnowledgeBase) -> None:
    data = match_to_json(shipped_kb.match("kan ik naar de vertrouwenspersoon", "nl"))
    assert set(data) == {"text", "topic", "score", "lang", "alternatives", "confident"}
    assert data["topic"] == "confidential-adviser"
    alternatives = data["alternatives"]
    assert isinstance(alternatives, list) and alternatives
    assert set(alternatives[0]) == {"topic", "score"}


def test_matching_is_fast(shipped_kb: KnowledgeBase) -> None:
    texts = [text for _, _, text in labelled()]
    start = time.perf_counter()
    for text in texts:
        shipped_kb.match(text)
    assert (time.perf_counter() - start) / len(texts) < 0.005


def test_check_reports_missing_language_and_related(
    fixture_content: Path, fixture_overlay: Path
) -> None:
    kb = KnowledgeBase.load(content_dir=fixture_content, overlay=fixture_overlay)
    problems = check(kb, today=FIXTURE_DAY).problems
    assert "en/canteen: topic is missing in this language" in problems
    assert "nl/crisis: topic is missing in this language" in problems


def test_check_flags_an_example_that_matches_another_topic(
    tmp_path: Path, fixture_content: Path
) -> None:
    shutil.copytree(fixture_content, tmp_path / "content")
    options = tmp_path / "content" / "en" / "options.md"
    options.write_text(
        options.read_text().replace("  - what can i do\n", "  - vertrouwenspersoon\n")
    )
    kb = KnowledgeBase.load(content_dir=tmp_path / "content")
    flagged = [p for p in check(kb, today=FIXTURE_DAY).problems if "example" in p]
    assert flagged == [
        "en/options: example 'vertrouwenspersoon' matches confidential-adviser "
        f"({kb.match('vertrouwenspersoon', 'en').score}), not options"
    ]


def test_worse_treatment_told_with_having_spoken_up_is_retaliation(
    shipped_kb: KnowledgeBase,
) -> None:
    # Neither question uses a word of the retaliation topic: having complained (past) and
    # what happened since, each on its own a complaint or a fallback, together decide.
    assert (
        shipped_kb.match(
            "een maand na mijn klacht werd ik overgeplaatst naar een andere locatie", "nl"
        ).topic
        == "retaliation"
    )
    assert (
        shipped_kb.match(
            "I reported my team lead last spring and now my appraisal says I'm not a team player",
            "en",
        ).topic
        == "retaliation"
    )
    # "ignores" alone, present tense: the way a newcomer put it in the terminal.
    assert (
        shipped_kb.match("since I reported racism my manager ignores me", "en").topic
        == "retaliation"
    )


def test_a_witness_left_out_since_the_statement_is_retaliation_not_bystander(
    shipped_kb: KnowledgeBase,
) -> None:
    # "witness" points at someone else's situation (bystander); the story is what happened
    # to the writer for giving the statement.
    question = (
        "since I gave a statement as a witness for my colleague I've been left out of every meeting"
    )
    assert shipped_kb.match(question, "en").topic == "retaliation"


def test_having_spoken_up_without_a_consequence_stays_with_its_route(
    shipped_kb: KnowledgeBase,
) -> None:
    assert shipped_kb.match("I reported it two weeks ago, when will I hear back", "en").topic == (
        "follow-up"
    )
    assert shipped_kb.match("ik heb een klacht ingediend, hoe lang duurt het", "nl").topic == (
        "complaint"
    )


def test_a_writer_who_says_they_manage_the_reporter_gets_for_managers(
    shipped_kb: KnowledgeBase,
) -> None:
    # Without the writer's role the touching would pick the definitions topic.
    question = "someone who reports to me says a coworker keeps touching her, how do I handle this"
    assert shipped_kb.match(question, "en").topic == "for-managers"
    assert shipped_kb.match("my manager keeps touching me, how do I handle this", "en").topic != (
        "for-managers"
    )


def test_cue_phrases_must_be_a_list(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(Path(__file__).parents[2] / "knowledge" / "data", data)
    (data / "cues.toml").write_text('[nl]\nspoke_up = "gemeld"\n')
    with pytest.raises(KnowledgeError, match="spoke_up"):
        load_lexicons(data)
