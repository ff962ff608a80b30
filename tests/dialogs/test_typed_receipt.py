"""A receipt typed in the message box is never matched, kept or shown back; it is hidden."""

from __future__ import annotations

import pytest

from bot.core import Channel, Reply
from bot.router import Router
from dialogs.messages import Messages
from dialogs.registry import all_dialogs
from knowledge.base import KnowledgeBase
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


# Buttons that leave a form open: the code form, the anonymous signal form.
OPEN_FORMS = {
    "code form": ("topic:follow-up",),
    "signal form": ("topic:signal", "signal:mode:anonymous"),
}


@pytest.mark.parametrize("typed", SHAPES)
@pytest.mark.parametrize("presses", OPEN_FORMS.values(), ids=OPEN_FORMS)
def test_a_typed_receipt_beside_an_open_form_is_set_aside_too(
    router: Router, lang: str, typed: str, presses: tuple[str, ...]
) -> None:
    person = chat(router, lang)
    for action in presses:
        person.press(action)
    before = person.session
    assert_set_aside(person, person.say(typed), lang, typed)
    assert person.session == before, "the form on screen stays usable"


def test_the_code_form_offered_after_a_typed_receipt_is_empty(router: Router, lang: str) -> None:
    person = chat(router, lang)
    [form] = [reply.form for reply in person.press("topic:follow-up") if reply.form]
    person.say(RECEIPT)
    # The button opens the code form, empty: the receipt is never put into a form value.
    [again] = [reply.form for reply in person.press("topic:follow-up") if reply.form]
    assert again == form
    assert all(field.value == "" for field in again.fields)


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
    # The crisis answer comes first, and the page still hides the code the message held.
    assert replies[0].conceal_input
    assert symbols(RECEIPT) not in symbols(text_of(replies))


def test_a_receipt_deep_in_a_long_message_is_found(knowledge: KnowledgeBase) -> None:
    # The router reads a message up to the configured limit (at most 20,000 characters);
    # the shape check reads all of it, so a code pasted at the end is hidden as well.
    long_router = Router(knowledge, Messages.load(), all_dialogs(), max_chars=20000)
    story = "mijn collega zegt steeds nare dingen over mij " * 200
    assert len(story) > 4000
    [reply] = chat(long_router, "nl").say(f"{story} {RECEIPT}")
    assert reply.conceal_input


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
