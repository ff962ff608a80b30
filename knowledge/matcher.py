"""Choose the topic for an utterance: BM25 over stemmed terms, in its language and the other one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from knowledge.analyser import Analyser
from knowledge.classifier import (
    Row,
    TopicClassifier,
    TrainedOnFirstUse,
    read_labelled,
)
from knowledge.index import TopicIndex, build_index
from knowledge.lexicon import Lexicon, Phrase
from knowledge.model import FALLBACK_TOPIC, MAX_CHOICES, TOPIC_IDS, Match, Scored, Topic
from knowledge.normalise import normalise, tokenize
from knowledge.scope import contains_phrase

FALLBACK = FALLBACK_TOPIC
HELP = "help"
HELP_SCORE = 1.0
# When to answer, ask or fall back. Calibrated on the labelled sets in tests/data (the dev
# set's even rows only): one clear topic word scores about 2-3, a long story 5-20.
# At or above CONFIDENT_SCORE, with the runner-up below CLOSE_RATIO of the best, the bot
# answers; from ASK_SCORE it asks "Bedoel je ...?"; below that it shows the menu. Asking
# costs the person one click, a wrong page costs them the thread: the ask zone is wide.
CONFIDENT_SCORE = 3.5
ASK_SCORE = 1.2
CLOSE_RATIO = 0.85
# A question of one content word ("wat doet een vertrouwenspersoon") names its topic: the
# topic that owns the word outscores others that mention it, but by less than a story would.
ONE_WORD_RATIO = 0.9
# An everyday work matter (knowledge/data/scope.toml: the canteen, pay, IT) gets the menu
# unless a topic scores this much per everyday phrase: "in de kantine maakt hij racistische
# grappen" is about racism, "wanneer gaat de kantine open" is not.
EVERYDAY_SCORE = 9.0
# Chatter is short: "huh", "dat bedoel ik niet", "that is not what I asked".
CHATTER_WORDS = 6
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
# "Third party" is about people from outside (citizens, clients, suppliers, people online:
# the outsider words in cues.toml); a story about colleagues with the same words ("maakt
# opmerkingen", "intimideert") counts for that topic at this weight.
THIRD_PARTY = "third-party"
INSIDER_WEIGHT = 0.6
LEADERSHIP_CONCEPT: Mapping[str, str] = MappingProxyType({"nl": "leiderschap", "en": "leadership"})
WRITER_IS_MANAGER_BOOST = 1.8
# Worse treatment told together with having spoken up ("sinds mijn melding krijg ik geen
# projecten meer") is benadeling even when the words stand apart and neither is the topic's
# word: the question is read as if it also said "because I reported it" (cues.toml), and
# that story outweighs the words of what was reported (a racist remark, being a witness).
RETALIATION_CONCEPT: Mapping[str, str] = MappingProxyType({"nl": "vergelding", "en": "reprisal"})
RETALIATION = "retaliation"
SPOKE_UP_BOOST = 1.5
# The classifier (knowledge/classifier.py) adds its share for a topic, times this weight,
# to the topic's BM25 score: a sure classifier (share near 1) outweighs a long story's
# words, an unsure one is a nudge. Its share for out-of-scope adds to the fallback topic's
# score, which counts as chatter. 0 turns the classifier off (it is then not trained).
# Since it learns from some 4,800 labelled questions (knowledge/data/labelled) it is the
# better judge of a story: 25 against 15 gave each held-out set the same or more right.
CLASSIFIER_WEIGHT = 25.0
# The bot answers only when the classifier also gives the best topic this share: where the
# words point one way and the learnt phrasings are unsure, asking costs one click.
# Chosen by leaving each labelled test set out of the training in turn (each row scored by a
# model that never saw its set): 0.4 asks 6% of the final set's rows, 0.55 asks 8% and
# shows the right topic one row more often; 0.75 asks 17% for nothing more.
CONFIDENT_SHARE = 0.55
# Out of scope by what the classifier learnt: when its best class is ``fallback`` (the
# everyday matters and chatter of the labelled rows: pay, leave, IT, the building) with at
# least this share, and the message names no unwanted behaviour, the answer is the menu,
# not "Bedoel je ...?" with topics that share a word ("parkeren" near the ministry).
OUT_OF_SCOPE_SHARE = 0.4


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
    outsider: frozenset[str] = frozenset()
    spoke_up: frozenset[Phrase] = frozenset()
    worse_off: frozenset[Phrase] = frozenset()
    classifier: TopicClassifier | TrainedOnFirstUse | None = None

    @classmethod
    def build(
        cls,
        topics: Iterable[Topic],
        lexicons: Mapping[str, Lexicon],
        labelled: Iterable[Row] | None = None,
    ) -> Matcher:
        """Index ``topics``; train the classifier on them and ``labelled`` (default: shipped)."""
        topics = list(topics)
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
        known = {(topic.id, topic.lang) for topic in topics}
        rows = [
            row
            for row in (read_labelled() if labelled is None else labelled)
            if (row[1], row[0]) in known
        ]
        analysers = {lang: entry.analyser for lang, entry in languages.items()}
        return cls(
            MappingProxyType(languages),
            first_person=frozenset().union(*(x.first_person for x in lexicons.values())),
            other_person=frozenset().union(*(x.other_person for x in lexicons.values())),
            outsider=frozenset().union(*(x.outsider for x in lexicons.values())),
            spoke_up=frozenset().union(*(x.spoke_up for x in lexicons.values())),
            worse_off=frozenset().union(*(x.worse_off for x in lexicons.values())),
            classifier=TrainedOnFirstUse(topics, analysers, rows) if CLASSIFIER_WEIGHT else None,
        )

    def warm(self) -> None:
        """Train the classifier now (about three seconds) rather than on the first message."""
        if isinstance(self.classifier, TrainedOnFirstUse):
            self.classifier.warm()

    def scores(self, text: str, lang: str) -> dict[str, float]:
        """Score per topic id: ``lang`` fully, words it does not know in other languages."""
        main = self.languages.get(lang)
        if main is None:
            return {}
        terms = main.analyser.query_terms(text)
        tokens = tokenize(text)
        spoke_up = contains_phrase(tokens, self.spoke_up) and contains_phrase(
            tokens, self.worse_off
        )
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
        if THIRD_PARTY in totals and not words & self.outsider:
            totals[THIRD_PARTY] *= INSIDER_WEIGHT
        if not words & self.other_person:
            if BYSTANDER in totals:
                totals[BYSTANDER] *= OTHER_PERSON_WEIGHT
            # "Wat kan ik doen" about one's own situation, no route chosen: the overview.
            asks_options = OPTIONS_CONCEPT.get(lang, OPTIONS) in main.analyser.terms(text)
            if OPTIONS in totals and asks_options and words & self.first_person:
                totals[OPTIONS] *= OWN_SITUATION_BOOST
        return totals

    def match(self, text: str, lang: str) -> Match:
        """Answer, ask which topic is meant, or fall back to the menu (see :class:`Match`)."""
        main = self.languages.get(lang)
        if main is None:
            return Match(text, lang, FALLBACK, 0.0, False)
        scope = main.analyser.lexicon.scope
        if scope.asks_help(text):
            return Match(text, lang, HELP, HELP_SCORE, True)
        totals = self.scores(text, lang)
        probabilities: dict[str, float] = {}
        if self.classifier is not None:
            probabilities = self.classifier.probabilities(text, lang, main.analyser)
            for topic, probability in probabilities.items():
                totals[topic] = totals.get(topic, 0.0) + CLASSIFIER_WEIGHT * probability
        ranked = sorted(
            ((topic, score) for topic, score in totals.items() if score > 0 and topic != FALLBACK),
            key=lambda item: (-item[1], item[0]),
        )
        if not ranked:
            return Match(text, lang, FALLBACK, 0.0, False)
        best, score = ranked[0]
        rest = ranked[1:]
        tokens = tokenize(text)
        words = [*tokens, *main.analyser.words(text)]  # as typed and with typos repaired
        short = len(tokens) <= CHATTER_WORDS
        if self._off_topic(words, short, totals.get(FALLBACK, 0.0), best, score) or (
            _out_of_scope(probabilities) and not self._names_behaviour(words)
        ):
            return Match(text, lang, FALLBACK, round(score, 3), False, _scored(ranked[:3]))
        ratio = CLOSE_RATIO if len(set(main.analyser.query_terms(text))) > 1 else ONE_WORD_RATIO
        close = bool(rest) and rest[0][1] >= ratio * score
        # A question that names one of the best topic's own sections ("code kwijt") is
        # answered with that section: it says which part of the topic it wants.
        section = self._section(best, words)
        sure = not probabilities or probabilities.get(best, 0.0) >= CONFIDENT_SHARE
        if section or (score >= CONFIDENT_SCORE and not close and sure):
            alternatives = _scored(rest[:MAX_ALTERNATIVES])
            return Match(text, lang, best, round(score, 3), True, alternatives, section)
        if not rest:
            return Match(text, lang, FALLBACK, round(score, 3), False, _scored(ranked[:1]))
        return Match(text, lang, best, round(score, 3), False, _scored(rest[: MAX_CHOICES - 1]))

    def _off_topic(
        self, words: list[str], short: bool, chatter: float, best: str, score: float
    ) -> bool:
        """Chatter, too little to go on, or an everyday matter with no strong topic."""
        # The fallback topic's examples ("huh", "dat bedoel ik niet") stand for chatter:
        # when they fit a short message best the answer is the menu, never a guess. In a
        # story, one of their words ("anders") is only a word.
        if score < ASK_SCORE or (chatter > score and short):
            return True
        scopes = [entry.analyser.lexicon.scope for entry in self.languages.values()]
        everyday = max(scope.everyday_words(words) for scope in scopes)
        if not everyday or self._names_behaviour(words):
            return False
        # An organisation's own topic (an overlay "kantine") may answer an everyday matter.
        return score < EVERYDAY_SCORE * everyday and best in TOPIC_IDS

    def _names_behaviour(self, words: list[str]) -> bool:
        return any(
            entry.analyser.lexicon.scope.names_behaviour(words) for entry in self.languages.values()
        )

    def _section(self, topic: str, words: list[str]) -> str:
        for entry in self.languages.values():
            section = entry.analyser.lexicon.scope.section(topic, words)
            if section:
                return section
        return ""


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


def _out_of_scope(probabilities: Mapping[str, float]) -> bool:
    if not probabilities:
        return False
    best = max(probabilities, key=lambda topic: (probabilities[topic], topic))
    return best == FALLBACK and probabilities[best] >= OUT_OF_SCOPE_SHARE


def _scored(ranked: list[tuple[str, float]]) -> tuple[Scored, ...]:
    return tuple(Scored(topic, round(score, 3)) for topic, score in ranked)


def _vocabulary(topics: Iterable[Topic]) -> set[str]:
    words: set[str] = set()
    for topic in topics:
        texts = [topic.title, topic.summary, topic.intro, *topic.examples, *topic.keywords]
        texts.extend(section.text for section in topic.sections.values())
        for text in texts:
            words.update(tokenize(text))
    return words
