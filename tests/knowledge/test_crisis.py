from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from knowledge.crisis import CRISIS_FILE, CrisisDetector
from knowledge.crisis_patterns import compile_list
from knowledge.normalise import normalise
from knowledge.toml_file import read_toml

CRISIS = [
    # suicidal thoughts, Dutch
    "ik wil dood",
    "ik wil gewoon dood",
    "ik wil niet meer leven",
    "ik zie het niet meer zitten",
    "ik zie het echt totaal niet meer zitten",
    "ik wil er een eind aan maken",
    "ik wil er een einde aan maken",
    "zelfmoord",
    "ik denk aan zelfmoord",
    "suïcide",
    "ik heb suicidale gedachten",
    "zelfmoordgedachten",
    "zelfmord",
    "ik wil mezelf van kant maken",
    "ik wil er niet meer zijn",
    "ik wil niet meer wakker worden",
    "zelfdoding",
    "het leven heeft geen zin meer",
    "ik doe mezelf iets aan",
    "ik kan niet meer verder",
    "ik wil dod gaan",
    "ik zie het nie meer zitten",
    "denk aan zelfmoort",
    "ik wil sterven",
    "ik heb een afscheidsbrief geschreven",
    "ik spring voor de trein",
    # danger now, Dutch
    "hij slaat me",
    "hij slaat mij steeds",
    "ik word bedreigd",
    "ik word nu bedreigd",
    "hij heeft een mes",
    "ik ben niet veilig",
    "ik voel me niet veilig",
    "ik ben in gevaar",
    "hij wil me vermoorden",
    "ze staat voor de deur en bedreigt me",
    "help nu",
    "ik word geslagen door mijn collega",
    "hij bedreigt me met een wapen",
    "ik word achtervolgd",
    "hij slaad me",
    "ik wordt bedreigt",
    # suicidal thoughts, English
    "I want to kill myself",
    "i wanna kill myself",
    "i want to kil myslef",
    "I don't want to live anymore",
    "i dont wanna live anymore",
    "I want to die",
    "thinking about suicide",
    "i feel suicidal",
    "i want to end my life",
    "i want to end it all",
    "i can't go on",
    "i'd rather not be here anymore",
    "i wish i was dead",
    "better off dead",
    "i'm going to hurt myself",
    "sucide",
    "suicde thoughts",
    "no reason to live",
    "i want too die",
    "i might as well die",
    # danger now, English
    "he has a knife",
    "I'm not safe",
    "i dont feel safe",
    "he is hitting me",
    "she is threatening me",
    "i am being attacked",
    "he wants to kill me",
    "someone is following me home right now",
    "he's got a gun",
    "i'm in danger",
    "help me now",
    "they're beating me",
]

CALM = [
    "de printer blokkeert de kopieerruimte niet meer",
    "my manager will get me the form tomorrow",
    "is the office better off without a coffee machine",
    "wat is een vertrouwenspersoon",
    "the deadline is killing me",
    "ik wil een klacht indienen",
    "hoe werkt anoniem melden",
    "my boss makes racist jokes",
    "waar kan ik terecht",
    "want die collega zei iets raars",
    "what are my options",
    "is dit discriminatie",
    "worden mijn gegevens opgeslagen",
    "ik wil door naar de klachtencommissie",
    "I saw a colleague being called names",
    "how long does a complaint take",
    "ik word online bedreigd vanwege mijn werk",
    "can I report something to the police anonymously",
    "hoe lang duurt een klachtprocedure",
    "I want to talk to someone",
    "the meeting is dead boring",
    "can I leave a signal without my name",
    "mijn collega maakt grappen over mijn afkomst",
]


@pytest.fixture(scope="module")
def detector() -> CrisisDetector:
    return CrisisDetector.load(known={"door", "opgeslagen", "deadline"})


def test_there_are_enough_crisis_examples() -> None:
    assert len(CRISIS) >= 60


@pytest.mark.parametrize("text", CRISIS)
def test_crisis_language_is_recognised(detector: CrisisDetector, text: str) -> None:
    assert detector.is_crisis(text)


@pytest.mark.parametrize("text", CALM)
def test_ordinary_questions_are_not_crisis(detector: CrisisDetector, text: str) -> None:
    assert not detector.is_crisis(text)


# Questions whose words are a slip away from a crisis word; checked with no topic words
# known at all, so they stay calm however the topic texts are reworded.
NEAR_MISSES = [
    "wat wordt er van mij verwacht als leidinggevende",
    "ik heb een vermoeden van een misstand",
    "I was punished for reporting it",
    "they keep treating me differently since I complained",
    "I dread going to work",
    "wie kan mijn signaal lezen",
    "mijn collega's willen er niet over praten",
    "ik slaap er slecht van",
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_everyday_words_near_crisis_words_are_not_repaired_into_them(text: str) -> None:
    bare = CrisisDetector.load(known=set())
    assert not bare.is_crisis(text)


# Danger now told without the usual words: someone on the way, following, the means at hand.
DANGER_NOW = [
    # kept in, or about to be hurt, now
    "hij blokkeert de deur en ik kan er niet uit",
    "she is blocking the door and won't let me leave the room",
    "hij laat me er niet uit, ik zit in het magazijn",
    "he is standing outside my office and says he'll get me",
    "hij zegt dat hij me straks gaat pakken",
    # feeling a burden: a warning sign of suicide
    "iedereen zou beter af zijn zonder mij",
    "my team would honestly be better off without me",
    "hij volgt me nu naar huis",
    "die man volgt mij al de hele weg naar mijn auto",
    "er ligt een doosje pillen naast me",
    "ik heb de pillen al klaarliggen",
    "pills next to me",
    "i have the pills ready",
    "he is coming to my desk to finish this",
    "he just texted that he is coming for me",
    "hij is onderweg naar mijn huis en zei dat hij het komt afmaken",
    "he's on his way to my house to get me",
    "he is following me to my car right now",
    "ik word gestalkt en hij staat nu buiten",
    "hij rent achter me aan door de gang",
    "ik heb me opgesloten in de wc omdat hij me zoekt",
    "I locked myself in the toilet, he is looking for me",
    "I am hiding from him in the archive room",
]
# A come-on is not violence, and stalking told as a problem to report is the police topic
# (whose answer puts 112 first), not an emergency.
NOT_DANGER_NOW = [
    "an external contractor keeps hitting on me, who deals with that",
    "my manager hits on me at every team outing",
    "ik word gestalkt door een oud-collega",
    "an ex colleague is stalking me",
    "I was stalked by a colleague last year, can I still report it",
    "ik werd vorig jaar gestalkt door een collega, kan ik dat nog melden",
    "is stalking a crime",
    "hij volgt me op instagram en reageert op alles",
    "my manager is coming to my desk to discuss my review",
    "ik wil mijn melding afmaken",
    "i left my pills at home, can i go home early",
    "mijn leidinggevende zit achter me aan over die deadline",
    "I locked myself out of my account",
    # "if I don't feel safe": a question about the routes, not danger now
    "wat kan ik doen als ik me niet veilig voel op mijn afdeling",
    "what can I do if I don't feel safe in my team",
]


@pytest.mark.parametrize("text", DANGER_NOW)
def test_danger_now_without_the_usual_words_is_crisis(detector: CrisisDetector, text: str) -> None:
    assert detector.is_crisis(text)


@pytest.mark.parametrize("text", NOT_DANGER_NOW)
def test_a_come_on_or_stalking_to_report_is_no_crisis(detector: CrisisDetector, text: str) -> None:
    assert not detector.is_crisis(text)


def _crisis_file(tmp_path: Path, suicide: list[str]) -> Path:
    path = tmp_path / "crisis.toml"
    lists = {"suicide": suicide, "present": [], "danger": [], "not_acute": [], "acute": []}
    lines = [f"{name} = {json.dumps(patterns)}" for name, patterns in lists.items()]
    path.write_text("\n".join([*lines, "repair = []", "keep = []"]) + "\n", encoding="utf-8")
    return path


def test_a_pattern_list_matches_when_any_of_its_patterns_does(tmp_path: Path) -> None:
    detector = CrisisDetector.load(
        path=_crisis_file(tmp_path, [r"\bdood\b", r"\b(eind|einde) ~ leven\b"])
    )
    assert detector.is_crisis("ik wil dood")
    assert detector.is_crisis("een einde maken aan mijn leven")
    assert not detector.is_crisis("de dode hoek")


def test_a_pattern_that_refers_back_to_a_group_is_refused(tmp_path: Path) -> None:
    # The patterns of a list are searched as one expression: "\1" would mean another group.
    with pytest.raises(KnowledgeError, match=r"refers back"):
        CrisisDetector.load(path=_crisis_file(tmp_path, [r"\b(ik) wil\b", r"\b(\w+) \1\b"]))


def test_an_empty_pattern_list_matches_nothing(tmp_path: Path) -> None:
    assert not CrisisDetector.load(path=_crisis_file(tmp_path, [])).is_crisis("ik wil dood")


def test_patterns_of_other_shapes_are_searched_as_written(tmp_path: Path) -> None:
    # The boundary of "\bniets|dood\b" belongs to "niets" alone, and "(ik)? wil" may start at
    # the space before "wil": neither can be searched only where a word begins.
    suicide = [r"\bniets|dood\b", r"\b(ik)? wil weg\b", r"\b(een )?eind\b"]
    detector = CrisisDetector.load(path=_crisis_file(tmp_path, suicide))
    assert detector.is_crisis("mijndood")
    assert detector.is_crisis("ja wil weg")
    assert detector.is_crisis("voor een eind")
    assert not detector.is_crisis("wil weg")


def test_each_shipped_list_answers_as_its_patterns_do_one_by_one() -> None:
    data = read_toml(CRISIS_FILE)
    texts = [
        normalise(text)
        for text in (*CRISIS, *CALM, *NEAR_MISSES, *DANGER_NOW, *NOT_DANGER_NOW, *_labelled_texts())
    ]
    for name in ("suicide", "present", "danger", "not_acute", "acute"):
        written = data[name]
        assert isinstance(written, list)
        one_by_one = [re.compile(str(p).replace("~ ", r"(?:\w+ ){0,3}")) for p in written]
        combined = compile_list([str(p) for p in written], CRISIS_FILE)
        for text in texts:
            expected = any(pattern.search(text) for pattern in one_by_one)
            assert combined.search(text, " " + text) == expected, (name, text)
            assert combined.search(text, None) == expected, (name, text)


def _labelled_texts() -> list[str]:
    folder = Path(__file__).parents[1] / "data"
    lines = [
        line for path in sorted(folder.glob("*.tsv")) for line in path.read_text().splitlines()
    ]
    return [line.split("\t")[2] for line in lines if line.strip() and not line.startswith("#")]
