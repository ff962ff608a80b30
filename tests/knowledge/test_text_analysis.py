from __future__ import annotations

from pathlib import Path

from knowledge.analyser import Analyser
from knowledge.base import KnowledgeBase
from knowledge.lexicon import load_lexicons
from knowledge.normalise import normalise, tokenize


def test_normalise_folds_case_accents_punctuation_and_spaces() -> None:
    assert normalise("  Suïcide?!  Café—DON'T   stop ") == "suicide cafe dont stop"
    assert tokenize("Ik   wil... melden!") == ["ik", "wil", "melden"]
    assert tokenize("?!") == []


def test_dutch_stemming_and_concepts_meet_informal_words() -> None:
    nl = Analyser.plain(load_lexicons()["nl"])
    assert nl.terms("mijn baas") == nl.terms("leidinggevende")
    assert nl.terms("ik heb het gemeld") == nl.terms("melding")
    assert nl.terms("racistische opmerkingen")[0] == nl.terms("racisme")[0]
    assert "wat" not in nl.terms("wat is dat")


def test_english_stemming_and_concepts() -> None:
    en = Analyser.plain(load_lexicons()["en"])
    assert en.terms("my boss") == en.terms("manager")
    assert en.terms("complaining") == en.terms("complaints")
    assert en.terms("I witnessed it") == en.terms("bystander")


def test_typos_and_compounds_are_repaired_against_the_vocabulary() -> None:
    nl = Analyser.plain(load_lexicons()["nl"]).with_vocabulary(
        {"vertrouwenspersoon", "discriminatie", "melding"}, set()
    )
    assert nl.words("vertrouwenspesoon") == ["vertrouwenspersoon"]
    assert nl.words("vertrouwens persoon") == ["vertrouwenspersoon"]
    assert nl.words("discriminatiemelding") == ["discriminatie", "melding"]
    assert nl.words("kat") == ["kat"]


def test_language_detection(fixture_content: Path) -> None:
    kb = KnowledgeBase.load(content_dir=fixture_content)
    assert kb.detect_language("ik wil iets melden over mijn collega") == "nl"
    assert kb.detect_language("waar kan ik naartoe met mijn verhaal") == "nl"
    assert kb.detect_language("I want to report something about my colleague") == "en"
    assert kb.detect_language("where should I go with this") == "en"
    assert kb.detect_language("") is None
    assert kb.detect_language("123 456") is None
