"""A receipt typed in the message box is never matched, kept or shown back; it is hidden."""

from __future__ import annotations

import pytest

from bot.core import Channel, Reply
from bot.router import Router
from dialogs.messages import Messages
from tests.dialogs.conftest import Chat, actions, text_of

T = Messages.load()
RECEIPT = "7F60-GJRX-1EJS-Y89K-FZ36-J"
SHAPES = [
    RECEIPT,
    RECEIPT.replace("-", ""),
    RECEIPT.lower(),
    RECEIPT.replace("-", " "),
    f"mijn ontvangstcode is {RECEIPT}",
    f"my receipt code is {RECEIPT.replace('-', '').lower()}, can you check?",
]
CHANNELS = [Channel.WEBCHAT, Channel.CONSOLE, Channel.TEAMS, Channel.MATTERMOST]


def chat(router: Router, lang: str, channel: Channel = Channel.WEBCHAT) -> Chat:
    person = Chat(router, lang, channel)
    person.start()
    return person


def symbols(text: str) -> str:
    return "".join(char for char in text.upper() if char.isalnum())


def assert_set_aside(person: Chat, replies: tuple[Reply, ...], lang: str, typed: str) -> None:
    assert person.last is not None and not person.last.changed, "nothing is stored"
    [reply] = replies
    assert reply.text.startswith(T.text(lang, "follow_up.typed_receipt"))
    assert reply.lang == lang, "in the conversation's language"
    assert reply.conceal_input and not reply.supersedes
    assert actions(replies) == ["topic:follow-up", "menu:show"]
    assert reply.form is None
    assert symbols(RECEIPT) not in symbols(reply.text), "never shown back"


@pytest.mark.parametrize("typed", SHAPES)
def test_a_typed_receipt_is_set_aside_in_the_conversation_language(
    router: Router, lang: str, typed: str
) -> None:
    person = chat(router, lang)
    before = person.session
    assert_set_aside(person, person.say(typed), lang, typed)
    assert person.session == before


@pytest.mark.parametrize("typed", SHAPES)
def test_a_typed_receipt_beside_the_open_code_form_is_set_aside_too(
    router: Router, lang: str, typed: str
) -> None:
    person = chat(router, lang)
    [form] = [reply.form for reply in person.press("topic:follow-up") if reply.form]
    before = person.session
    assert_set_aside(person, person.say(typed), lang, typed)
    assert person.session == before, "the code form on screen stays usable"
    # The button opens the code form, empty: the receipt is never put into a form value.
    shown = person.press("topic:follow-up")
    [again] = [reply.form for reply in shown if reply.form]
    assert again == form
    assert all(field.value == "" for field in again.fields)


def test_a_typed_receipt_in_the_signal_form_is_set_aside_too(router: Router, lang: str) -> None:
    person = chat(router, lang)
    person.press("topic:signal")
    person.press("signal:mode:anonymous")
    before = person.session
    assert_set_aside(person, person.say(RECEIPT), lang, RECEIPT)
    assert person.session == before


@pytest.mark.parametrize("channel", CHANNELS)
def test_only_channels_that_keep_the_message_ask_to_delete_it(
    router: Router, lang: str, channel: Channel
) -> None:
    [reply] = chat(router, lang, channel).say(RECEIPT)
    asks = T.text(lang, "follow_up.typed_receipt_delete") in reply.text
    assert asks == (channel in (Channel.TEAMS, Channel.MATTERMOST))


def test_crisis_words_still_come_first(router: Router) -> None:
    person = chat(router, "nl")
    replies = person.say(f"ik wil niet meer leven {RECEIPT}")
    assert "113" in text_of(replies)
    assert T.text("nl", "follow_up.typed_receipt") not in text_of(replies)


@pytest.mark.parametrize(
    "text",
    [
        "Mijn leidinggevende maakt opmerkingen over mijn arbeidsongeschiktheidsuitkering",
        "Ik woon op postcode 1234 AB, bel me op 06-12345678",
        "ik ben 34 jaar en werk bij de gemeente",
        "ik heb mijn code verloren",
    ],
)
def test_ordinary_words_and_numbers_are_answered_as_before(router: Router, text: str) -> None:
    replies = chat(router, "nl").say(text)
    assert not any(reply.conceal_input for reply in replies)
    assert T.text("nl", "follow_up.typed_receipt") not in text_of(replies)
