"""Choose the topic for an utterance: BM25 over stemmed terms, in its language and the other one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from knowledge.analyser import Analyser
from knowledge.index import TopicIndex, build_index
from knowledge.lexicon import Lexicon, Phrase
from knowledge.model import Match, Scored, Topic
from knowledge.normalise import normalise, tokenize

FALLBACK = "fallback"
# Below this score the bot shows its menu instead of guessing. Calibrated on the
# labelled utterances in tests/data: one clear topic word scores about 2–3.
CONFIDENT_SCORE = 1.6
# Words of the other language still count, at this weight: people mix languages.
OTHER_LANGUAGE_WEIGHT = 0.5
MAX_ALTERNATIVES = 3
# "Bystander" is about something that happened to someone else: without a word that
# points at another person or at seeing it happen (knowledge/data/cues.toml), a story with
# "collega" or "wat kan ik doen" is the writer's own situation, and bystander only counts
# at this weight.
BYSTANDER = "bystander"
OPTIONS = "options"
OTHER_PERSON_WEIGHT = 0.5
OWN_SITUATION_BOOST = 1.4
OPTIONS_CONCEPT: Mapping[str, str] = MappingProxyType({"nl": "opties", "en": "option"})
# "For managers" is about the writer being the manager who received a report. When the
# writer says so ("als leidinggevende", "my employee told me": the leadership concept in
# synonyms.toml), that role outweighs the story's other words (bullying, HR, a slur),
# which would otherwise pick the route an employee would take.
FOR_MANAGERS = "for-managers"
LEADERSHIP_CONCEPT: Mapping[str, str] = MappingProxyType({"nl": "leiderschap", "en": "leadership"})
WRITER_IS_MANAGER_BOOST = 1.8
# Worse treatment told together with having spoken up ("sinds mijn melding krijg ik geen
# projecten meer") is benadeling even when the words stand apart and neither is the topic's
# word: the question is read as if it also said "because I reported it" (cues.toml), and
# that story outweighs the words of what was reported (a racist remark, being a witness).
RETALIATION_CONCEPT: Mapping[str, str] = MappingProxyType({"nl": "vergelding", "en": "reprisal"})
RETALIATION = "retaliation"
SPOKE_UP_BOOST = 1.5


@dataclass(frozen=True, slots=True)
class LanguageIndex:
    analyser: Analyser
    index: TopicIndex


@dataclass(frozen=True, slots=True)
class Matcher:
    """One index per language; topics are matched by id across languages."""

    languages: Mapping[str, LanguageIndex]
    first_person: frozenset[str] = frozenset()
    other_person: frozenset[str] = frozenset()
    spoke_up: frozenset[Phrase] = frozenset()
    worse_off: frozenset[Phrase] = frozenset()

    @classmethod
    def build(cls, topics: Iterable[Topic], lexicons: Mapping[str, Lexicon]) -> Matcher:
        by_lang: dict[str, list[Topic]] = {lang: [] for lang in lexicons}
        for topic in topics:
            if topic.lang in by_lang:
                by_lang[topic.lang].append(topic)
        vocabularies = {lang: _vocabulary(found) for lang, found in by_lang.items()}
        every_word = set().union(*vocabularies.values())
        languages: dict[str, LanguageIndex] = {}
        for lang, found in by_lang.items():
            analyser = Analyser.plain(lexicons[lang]).with_vocabulary(
                vocabularies[lang], every_word
            )
            languages[lang] = LanguageIndex(analyser, build_index(found, analyser))
        return cls(
            MappingProxyType(languages),
            first_person=frozenset().union(*(x.first_person for x in lexicons.values())),
            other_person=frozenset().union(*(x.other_person for x in lexicons.values())),
            spoke_up=frozenset().union(*(x.spoke_up for x in lexicons.values())),
            worse_off=frozenset().union(*(x.worse_off for x in lexicons.values())),
        )

    def scores(self, text: str, lang: str) -> dict[str, float]:
        """Score per topic id: ``lang`` fully, words it does not know in other languages."""
        main = self.languages.get(lang)
        if main is None:
            return {}
        terms = main.analyser.query_terms(text)
        tokens = tokenize(text)
        spoke_up = _contains(tokens, self.spoke_up) and _contains(tokens, self.worse_off)
        if spoke_up:
            terms = [*terms, *main.analyser.terms(RETALIATION_CONCEPT.get(lang, ""))]
        totals = main.index.scores(terms, normalise(text))
        if spoke_up and RETALIATION in totals:
            totals[RETALIATION] *= SPOKE_UP_BOOST
        foreign = " ".join(word for word in tokens if word not in main.analyser.vocabulary)
        for other, entry in self.languages.items():
            if other != lang and foreign:
                for topic, score in entry.index.scores(entry.analyser.terms(foreign)).items():
                    totals[topic] = totals.get(topic, 0.0) + OTHER_LANGUAGE_WEIGHT * score
        leadership = main.analyser.terms(LEADERSHIP_CONCEPT.get(lang, ""))
        if FOR_MANAGERS in totals and leadership and set(leadership) <= set(terms):
            totals[FOR_MANAGERS] *= WRITER_IS_MANAGER_BOOST
        words = set(tokens)
        if not words & self.other_person:
            if BYSTANDER in totals:
                totals[BYSTANDER] *= OTHER_PERSON_WEIGHT
            # "Wat kan ik doen" about one's own situation, no route chosen: the overview.
            asks_options = OPTIONS_CONCEPT.get(lang, OPTIONS) in main.analyser.terms(text)
            if OPTIONS in totals and asks_options and words & self.first_person:
                totals[OPTIONS] *= OWN_SITUATION_BOOST
        return totals

    def match(self, text: str, lang: str) -> Match:
        """The best topic, or ``fallback`` when none is good enough or chatter wins."""
        ranked = sorted(self.scores(text, lang).items(), key=lambda item: (-item[1], item[0]))
        ranked = [(topic, score) for topic, score in ranked if score > 0]
        # The fallback topic's examples ("huh", "dat bedoel ik niet") stand for chatter:
        # when they fit best the answer is the menu, never a guess.
        topics = [(topic, score) for topic, score in ranked if topic != FALLBACK]
        best_is_topic = bool(ranked) and ranked[0][0] != FALLBACK
        if best_is_topic and topics[0][1] >= CONFIDENT_SCORE:
            best, score = topics[0]
            rest = topics[1 : 1 + MAX_ALTERNATIVES]
            return Match(text, lang, best, round(score, 3), True, _scored(rest))
        score = topics[0][1] if topics else 0.0
        return Match(
            text, lang, FALLBACK, round(score, 3), False, _scored(topics[:MAX_ALTERNATIVES])
        )


def match_to_json(match: Match) -> dict[str, object]:
    """The object ``meldwijzer ask --json`` prints for one utterance."""
    return {
        "text": match.text,
        "topic": match.topic,
        "score": match.score,
        "lang": match.lang,
        "alternatives": [{"topic": s.topic, "score": s.score} for s in match.alternatives],
        "confident": match.confident,
    }


def _scored(ranked: list[tuple[str, float]]) -> tuple[Scored, ...]:
    return tuple(Scored(topic, round(score, 3)) for topic, score in ranked)


def _contains(words: list[str], phrases: frozenset[Phrase]) -> bool:
    lengths = {len(phrase) for phrase in phrases}
    return any(
        tuple(words[start : start + length]) in phrases
        for start in range(len(words))
        for length in lengths
    )


def _vocabulary(topics: Iterable[Topic]) -> set[str]:
    words: set[str] = set()
    for topic in topics:
        texts = [topic.title, topic.summary, topic.intro, *topic.examples, *topic.keywords]
        texts.extend(section.text for section in topic.sections.values())
        for text in texts:
            words.update(tokenize(text))
    return words
