"""What the person sees when the bot asks, falls back, or answers one section directly."""

from __future__ import annotations

from bot.core import Channel
from bot.router import Router
from dialogs.messages import Messages
from knowledge.base import KnowledgeBase
from tests.dialogs.conftest import Chat, actions, text_of

MESSAGES = Messages.load()
VAGUE = {"nl": "ik wil het ergens over hebben", "en": "I want to report my colleague"}
CANTEEN = {"nl": "hoe laat gaat de kantine open", "en": "when does the canteen open"}
LOST = {"nl": "ik heb mijn code verloren", "en": "I lost my code"}
ATTACK = {
    "nl": "ik ben vorige week op straat aangevallen door een collega, kan ik aangifte doen?",
    "en": "a colleague attacked me in the street last week, can I report it to the police?",
}


def test_a_vague_question_asks_with_its_choices_and_the_menu(
    chat: Chat, knowledge: KnowledgeBase, lang: str
) -> None:
    match = knowledge.match(VAGUE[lang], lang)
    replies = chat.say(VAGUE[lang])
    assert len(replies) == 1
    assert replies[0].text == MESSAGES.text(lang, "menu.clarify")
    assert actions(replies) == [*(f"topic:{topic}" for topic in match.choices), "menu:show"]
    labels = [button.label for button in replies[0].buttons[:-1]]
    assert labels == [knowledge.topic(topic, lang).title for topic in match.choices]
    assert chat.session.state.dialog == ""


def test_a_choice_opens_that_topic(chat: Chat, knowledge: KnowledgeBase, lang: str) -> None:
    choice = knowledge.match(VAGUE[lang], lang).choices[1]
    chat.say(VAGUE[lang])
    replies = chat.press(f"topic:{choice}")
    assert knowledge.topic(choice, lang).title in text_of(replies) or (
        knowledge.topic(choice, lang).intro[:30] in text_of(replies)
    )


def test_out_of_scope_gets_the_fallback_with_only_the_menu(chat: Chat, lang: str) -> None:
    replies = chat.say(CANTEEN[lang])
    assert text_of(replies) == MESSAGES.text(lang, "menu.fallback")
    assert actions(replies) == actions(chat.press("menu:show")), "the menu, no guessed topics"


def test_a_single_help_word_shows_the_help_menu(
    chat: Chat, knowledge: KnowledgeBase, lang: str
) -> None:
    for word in ("help", "hulp", "menu", "?") if lang == "nl" else ("help", "menu", "?"):
        replies = chat.say(word)
        assert knowledge.topic("help", lang).intro[:40] in text_of(replies), word


def test_a_lost_code_is_answered_directly(chat: Chat, knowledge: KnowledgeBase, lang: str) -> None:
    replies = chat.say(LOST[lang])
    lost = knowledge.topic("follow-up", lang).section("lost")
    assert lost.heading in text_of(replies) and lost.text in text_of(replies)
    assert all(reply.form is None for reply in replies), "no receipt form: there is no code"
    assert "topic:follow-up" in actions(replies) and "menu:show" in actions(replies)


def test_a_past_attack_and_reporting_is_police_with_112_first(router: Router, lang: str) -> None:
    chat = Chat(router, lang, Channel.WEBCHAT)
    replies = chat.say(ATTACK[lang])
    assert chat.session.state.data.get("route") == "police"
    answer = text_of(replies)
    first_paragraph = answer.split("\n\n")[1]  # after the title
    assert "112" in first_paragraph
    assert answer.index("112") < answer.lower().index("aangifte")
