"""The conversation's language changes only on a request or a whole message in the other one."""

from __future__ import annotations

import pytest

from bot.core import Channel
from bot.router import Router, language_command
from tests.dialogs.conftest import Chat

# One word, a typo, a name or a loanword: never a reason to change the language.
STAYS_DUTCH = [
    "sorry",
    "ok",
    "okay",
    "thanks",
    "Sorry!",
    "hello",
    "yes",
    "help",
    "wat is een vertrouwnspersoon",
    "ik had een meeting met mijn manager",
    "mijn team lead negeert me",
    "sorry, ik bedoel de vertrouwenspersoon",
    "John",
    "de manager van het team zei sorry",
    "ok thanks",
    "feedback",
]
STAYS_ENGLISH = [
    "sorry",
    "ok",
    "dank",
    "hoi",
    "ja",
    "nee",
    "Jansen",
    "my manager said doei",
    "is the vertrouwenspersoon anonymous",
]
WHOLE_ENGLISH = [
    "What does a confidential adviser do?",
    "my colleague keeps making jokes about my background",
    "I want to report something about my manager",
]
WHOLE_DUTCH = [
    "Wat doet een vertrouwenspersoon?",
    "mijn collega maakt steeds grappen over mijn afkomst",
    "ik wil iets melden over mijn leidinggevende",
]
ASKS_ENGLISH = [
    "can you speak English?",
    "Can you speak english please",
    "do you speak English",
    "spreek je Engels?",
    "spreekt u Engels",
    "kun je Engels praten?",
    "kan het in het Engels",
    "kan het ook in het Engels?",
    "mag het in het Engels alsjeblieft",
    "switch to English",
    "English please",
    "Engels graag",
    "in English please",
    "English?",
    "Engels",
    "could we continue in English?",
    "I don't speak Dutch",
    "sorry, I do not understand Dutch",
    "ik spreek geen Nederlands",
    "liever in het Engels",
    "can we talk in English",
    "Englsh please",
    "Can we do this in English?",
    "Is er ook een Engelse versie?",
    "do you have an English version",
    "please reply in English",
    "I prefer English",
    "my Dutch is not good",
]
ASKS_DUTCH = [
    "kun je Nederlands?",
    "kun je Nederlands praten",
    "spreek je Nederlands?",
    "do you speak Dutch?",
    "can you speak Dutch please",
    "Nederlands graag",
    "Nederlands alsjeblieft",
    "in het Nederlands aub",
    "switch to Dutch",
    "Dutch please",
    "Nederlands",
    "kan het in het Nederlands?",
    "ik spreek geen Engels",
    "I don't speak English",
    "graag verder in het Nederlands",
    "Nederlans graag",
    "antwoord in het Nederlands",
    "ik wil Nederlands",
    "mijn Engels is niet zo goed",
]
# Sentences that name a language but ask for no switch: the bot answers the question.
NOT_A_REQUEST = [
    "mijn manager spreekt alleen Engels tegen mij in vergaderingen",
    "ik word uitgelachen omdat ik geen goed Nederlands spreek",
    "my colleagues only speak Dutch when I am there so I am left out",
    "is het Engels",
    "Engelse collega's worden voorgetrokken",
    "de Engelse versie van het reglement is onduidelijk",
    "I have English colleagues",
]


def other(lang: str) -> str:
    return "en" if lang == "nl" else "nl"


@pytest.mark.parametrize("text", STAYS_DUTCH)
def test_one_word_or_a_loanword_keeps_dutch(router: Router, text: str) -> None:
    chat = Chat(router, "nl", Channel.WEBCHAT)
    replies = chat.say(text)
    assert chat.session.lang == "nl"
    assert all(reply.lang == "nl" for reply in replies)


@pytest.mark.parametrize("text", STAYS_ENGLISH)
def test_one_word_or_a_name_keeps_english(router: Router, text: str) -> None:
    chat = Chat(router, "en", Channel.WEBCHAT)
    replies = chat.say(text)
    assert chat.session.lang == "en"
    assert all(reply.lang == "en" for reply in replies)


@pytest.mark.parametrize("text", ["sorry", "ok", "thanks", "ik had een meeting met het team"])
def test_one_word_keeps_dutch_after_dutch_was_chosen(router: Router, text: str) -> None:
    chat = Chat(router, "en", Channel.WEBCHAT)
    chat.say("Nederlands graag")
    assert (chat.session.lang, chat.session.lang_chosen) == ("nl", True)
    chat.say(text)
    assert chat.session.lang == "nl"


@pytest.mark.parametrize("text", WHOLE_ENGLISH)
def test_a_whole_english_message_switches_before_a_choice(router: Router, text: str) -> None:
    chat = Chat(router, "nl", Channel.WEBCHAT)
    replies = chat.say(text)
    assert replies[-1].lang == "en"
    assert chat.session.lang == "en"


@pytest.mark.parametrize("text", WHOLE_DUTCH)
def test_a_whole_dutch_message_switches_even_after_english_was_chosen(
    router: Router, text: str
) -> None:
    chat = Chat(router, "nl", Channel.WEBCHAT)
    chat.say("English please")
    assert (chat.session.lang, chat.session.lang_chosen) == ("en", True)
    replies = chat.say(text)
    assert replies[-1].lang == "nl"
    assert chat.session.lang == "nl"


@pytest.mark.parametrize("text", WHOLE_ENGLISH)
def test_a_whole_english_message_switches_even_after_dutch_was_chosen(
    router: Router, text: str
) -> None:
    chat = Chat(router, "en", Channel.WEBCHAT)
    chat.press("lang:nl")
    replies = chat.say(text)
    assert replies[-1].lang == "en"


@pytest.mark.parametrize("text", ASKS_ENGLISH)
def test_a_request_for_english_is_understood_in_either_language(text: str) -> None:
    assert language_command(text) == "en"


@pytest.mark.parametrize("text", ASKS_DUTCH)
def test_a_request_for_dutch_is_understood_in_either_language(text: str) -> None:
    assert language_command(text) == "nl"


@pytest.mark.parametrize("text", [*NOT_A_REQUEST, *STAYS_DUTCH, *WHOLE_ENGLISH, "", "?", "en"])
def test_sentences_that_only_name_a_language_are_no_request(text: str) -> None:
    assert language_command(text) is None


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("text", ["can you speak English?", "kun je Nederlands?"])
def test_a_request_switches_the_conversation_and_marks_the_choice(
    router: Router, lang: str, text: str
) -> None:
    chat = Chat(router, lang, Channel.WEBCHAT)
    wanted = language_command(text)
    replies = chat.say(text)
    assert all(reply.lang == wanted for reply in replies)
    assert (chat.session.lang, chat.session.lang_chosen) == (wanted, True)


def test_a_request_overrides_an_earlier_choice(router: Router) -> None:
    chat = Chat(router, "nl", Channel.WEBCHAT)
    chat.say("English please")
    chat.say("kun je Nederlands?")
    assert (chat.session.lang, chat.session.lang_chosen) == ("nl", True)
    chat.say("sorry")
    assert chat.session.lang == "nl"


def test_a_question_naming_a_language_is_answered_in_the_conversations_language(
    router: Router,
) -> None:
    chat = Chat(router, "nl", Channel.WEBCHAT)
    replies = chat.say(NOT_A_REQUEST[0])
    assert not chat.session.lang_chosen
    assert all(reply.lang == "nl" for reply in replies)
    assert not replies[0].text.startswith("Ik praat verder")


def test_a_long_message_naming_a_language_is_no_request() -> None:
    text = "can you speak English " * 300
    assert language_command(text) is None
    assert language_command("Engels " * 1000) is None


# Danger written in the other language is answered in that language: 112 and 113 must be read
# at once, not after one more message.
CRISIS_IN_THE_OTHER_LANGUAGE = [
    ("en", "ik wil niet meer leven", "nl"),
    ("en", "hij staat voor mijn deur met een mes", "nl"),
    ("nl", "i want to die", "en"),
]


@pytest.mark.parametrize(("start", "text", "written"), CRISIS_IN_THE_OTHER_LANGUAGE)
def test_a_crisis_message_in_the_other_language_is_answered_in_it(
    router: Router, start: str, text: str, written: str
) -> None:
    chat = Chat(router, start, Channel.WEBCHAT)
    chat.say("English please" if start == "en" else "Nederlands graag")
    replies = chat.say(text)
    assert chat.session.state.dialog == "crisis"
    assert chat.session.lang == written
    other = Chat(router, written, Channel.WEBCHAT)
    assert [reply.text for reply in replies] == [reply.text for reply in other.say(text)]


def test_a_crisis_word_alone_keeps_the_language(router: Router) -> None:
    chat = Chat(router, "en", Channel.WEBCHAT)
    chat.say("English please")
    chat.say("help me now")
    assert (chat.session.state.dialog, chat.session.lang) == ("crisis", "en")
