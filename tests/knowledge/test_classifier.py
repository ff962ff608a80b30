"""The topic classifier: what it learns from, that it reads a bounded part of a message, and
that scoring by hand gives scikit-learn's own margins."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from bot.errors import KnowledgeError
from knowledge.base import KnowledgeBase
from knowledge.classifier import (
    CHAR_NGRAMS,
    LABELLED,
    MAX_CHARS,
    MAX_TERMS,
    TrainedOnFirstUse,
    _document,
    _features,
    _regression,
    _terms_of,
    _text_of,
    read_labelled,
)
from knowledge.sparse_model import LetterGrams, read_out


def test_the_shipped_labels_are_topics() -> None:
    from knowledge.model import TOPIC_IDS

    rows = read_labelled(LABELLED)
    assert len(rows) > 4000
    assert {lang for lang, _, _ in rows} == {"nl", "en"}
    assert {topic for _, topic, _ in rows} == set(TOPIC_IDS)
    for lang in ("nl", "en"):
        for topic in TOPIC_IDS:
            assert sum(1 for row in rows if row[:2] == (lang, topic)) >= 20, (lang, topic)


def test_a_folder_of_labelled_files_is_read_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "b.tsv").write_text("en\tpolice\tcan i report it\n", encoding="utf-8")
    (tmp_path / "a.tsv").write_text("# a comment\nnl\tsignal\tanoniem melden\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not read\n", encoding="utf-8")
    assert read_labelled(tmp_path) == [
        ("nl", "signal", "anoniem melden"),
        ("en", "police", "can i report it"),
    ]


def test_the_classifier_trains_on_first_use_once_even_when_two_ask_at_once(
    shipped_kb: KnowledgeBase,
) -> None:
    # A private set of rows, so that no other test's model is reused.
    rows = [("nl", "police", "ik wil aangifte doen van bedreiging op het werk, eerste keer")]
    analysers = {lang: entry.analyser for lang, entry in shipped_kb.matcher.languages.items()}
    lazy = TrainedOnFirstUse(shipped_kb.topics_by_key.values(), analysers, rows)
    assert not lazy.is_trained  # building costs nothing: the adviser desk never matches
    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(lambda _: lazy.warm(), range(2))
    assert lazy.is_trained and first is second
    assert lazy.probabilities("aangifte doen", "nl", analysers["nl"]) == first.probabilities(
        "aangifte doen", "nl", analysers["nl"]
    )


def test_a_malformed_labelled_file_names_its_line(tmp_path: Path) -> None:
    broken = tmp_path / "labelled.tsv"
    broken.write_text("# comment\nnl\tpolice\taangifte\nnl police zonder tabs\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"labelled\.tsv:3"):
        read_labelled(broken)


def test_scoring_by_hand_gives_the_pipelines_margins(shipped_kb: KnowledgeBase) -> None:
    analyser = shipped_kb.matcher.languages["nl"].analyser
    rows = [row for row in read_labelled() if row[0] == "nl"]
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(_features(), _regression())
    documents = [_document(text, analyser) for _, _, text in rows]
    model.fit(documents, [t for _, t, _ in rows])
    # Words looked up when the model is read out, and words cut into n-grams per message
    # (none known: "kantien" and "verlooren" are typos), give the pipeline's numbers.
    looked_up = read_out(model, {word for doc in documents for word in _text_of(doc).split()})
    cut_per_message = read_out(model, ())
    texts = ("mijn collega scheldt me uit", "kantien open?", "ik heb mijn code verlooren", "a")
    for text in (*texts, *(text for _, _, text in rows[::50])):
        document = _document(text, analyser)
        expected = model.decision_function([document])[0]
        letters, terms = _text_of(document), _terms_of(document)
        assert np.allclose(looked_up.margins_of(letters, terms), expected)
        assert np.allclose(cut_per_message.margins_of(letters, terms), expected)


def test_the_letter_grams_are_the_vectorisers(shipped_kb: KnowledgeBase) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS)
    analyse = vectoriser.build_analyzer()
    grams = LetterGrams(*CHAR_NGRAMS)
    for word in ("a", "ab", "abc", "abcd", "abcde", "discriminatie", "ik"):
        assert grams.of(word) == analyse(word)


def test_the_classifier_reads_a_bounded_part_of_a_long_message(shipped_kb: KnowledgeBase) -> None:
    matcher = shipped_kb.matcher
    assert matcher.classifier is not None
    analyser = matcher.languages["nl"].analyser
    story = "mijn leidinggevende maakt elke dag racistische grappen over mij " * 40
    assert len(story) > MAX_CHARS and len(analyser.terms(story, keep_stopwords=True)) > MAX_TERMS
    first = matcher.classifier.probabilities(story, "nl", analyser)
    longer = matcher.classifier.probabilities(
        story + " kantine printer wachtwoord" * 50, "nl", analyser
    )
    assert first == longer


def test_the_blend_answers_what_bm25_alone_reads_as_another_topic(
    shipped_kb: KnowledgeBase,
) -> None:
    # A learnt row (dev, even) that BM25 alone answers with privacy ("anoniem").
    found = shipped_kb.match("ik wil anoniem iets melden via deze chat", "nl")
    assert (found.topic, found.confident) == ("signal", True)
