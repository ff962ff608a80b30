"""Every dialog flow, in both languages, through the pure router."""

from __future__ import annotations

import pytest

from bot.core import Channel
from bot.router import Router
from knowledge.base import KnowledgeBase
from knowledge.model import ROUTE_SECTIONS, ROUTE_TOPICS
from tests.dialogs.conftest import Chat, actions, text_of


def test_welcome_offers_the_menu_in_the_chosen_language(chat: Chat, lang: str) -> None:
    replies = chat.start()
    assert all(reply.lang == lang for reply in replies)
    assert {"topic:options", "topic:bystander", "topic:crisis", "topic:privacy"} <= set(
        actions(replies)
    )
    assert "Meldwijzer" in text_of(replies)


def test_options_overview_lists_every_route(
    chat: Chat, knowledge: KnowledgeBase, lang: str
) -> None:
    replies = chat.press("topic:options")
    routes = [a.removeprefix("options:route:") for a in actions(replies) if "route:" in a]
    assert set(routes) == set(ROUTE_TOPICS)
    assert routes[0] == "confidential-adviser"
    assert knowledge.topic("options", lang).intro[:40] in text_of(replies)


def test_each_route_says_what_it_does_and_not_and_who_knows_and_next(
    chat: Chat, knowledge: KnowledgeBase, lang: str
) -> None:
    for route in ROUTE_TOPICS:
        replies = chat.press(f"options:route:{route}")
        topic = knowledge.topic(route, lang)
        for key in ROUTE_SECTIONS:
            assert topic.section(key).heading in text_of(replies), (route, key)
        assert "options:overview" in actions(replies)
        assert chat.session.state.dialog == "options"


def test_a_route_answer_ends_on_its_next_step(
    chat: Chat, knowledge: KnowledgeBase, lang: str
) -> None:
    routes_with_more = [
        r for r in ROUTE_TOPICS if set(knowledge.topic(r, lang).sections) - set(ROUTE_SECTIONS)
    ]
    assert routes_with_more, "some route adds sections of its own (police: time limits, evidence)"
    for route in routes_with_more:
        topic = knowledge.topic(route, lang)
        text = text_of(chat.press(f"options:route:{route}"))
        headings = [section.heading for section in topic.sections.values()]
        positions = {heading: text.index(heading) for heading in headings}
        assert max(positions, key=positions.__getitem__) == topic.section("next").heading, route


def test_route_buttons_lead_to_related_routes(
    chat: Chat, knowledge: KnowledgeBase, lang: str
) -> None:
    replies = chat.press("options:route:confidential-adviser")
    related = [a for a in actions(replies) if a.startswith(("options:route:", "topic:"))]
    assert related, "a route should point to related routes"
    follow = chat.press(related[0])
    assert follow and follow[0].text


def test_bystander_walks_from_what_was_seen_to_reporting_as_a_witness(
    chat: Chat, knowledge: KnowledgeBase, lang: str
) -> None:
    topic = knowledge.topic("bystander", lang)
    replies = chat.press("topic:bystander")
    assert "bystander:seen:discrimination" in actions(replies)
    replies = chat.press("bystander:seen:discrimination")
    assert actions(replies) == ["bystander:danger:yes", "bystander:danger:no"]
    replies = chat.press("bystander:danger:no")
    five = [a for a in actions(replies) if a.startswith("bystander:d:")]
    assert five == [
        f"bystander:d:{d}" for d in ("distract", "delegate", "document", "delay", "direct")
    ]
    for d in ("distract", "delegate", "document", "delay", "direct"):
        replies = chat.press(f"bystander:d:{d}")
        assert topic.section(d).text[:30] in text_of(replies)
        assert f"bystander:d:{d}" not in actions(replies)
    replies = chat.press("bystander:afterwards")
    assert topic.section("afterwards").text[:30] in text_of(replies)
    replies = chat.press("bystander:witness")
    assert topic.section("witness").text[:30] in text_of(replies)
    assert "options:route:discrimination-agency" in actions(replies)


def test_bystander_danger_now_points_to_112(chat: Chat) -> None:
    chat.press("topic:bystander")
    chat.press("bystander:seen:aggression")
    replies = chat.press("bystander:danger:yes")
    assert "112" in text_of(replies)


def test_crisis_text_interrupts_any_dialog_and_can_resume(chat: Chat, lang: str) -> None:
    chat.press("topic:bystander")
    chat.press("bystander:seen:bullying")
    words = "ik wil niet meer leven" if lang == "nl" else "I don't want to live anymore"
    replies = chat.say(words)
    text = text_of(replies)
    assert "113" in text and "112" in text
    assert text.index("112") < 400 and text.index("113") < 400, "the numbers come first"
    assert "crisis:resume" in actions(replies)
    replies = chat.press("crisis:resume")
    assert actions(replies) == ["bystander:danger:yes", "bystander:danger:no"]


def test_crisis_button_from_the_menu(chat: Chat) -> None:
    replies = chat.press("topic:crisis")
    assert "112" in text_of(replies) and "113" in text_of(replies)
    assert "crisis:resume" not in actions(replies)


def test_privacy_states_the_level_of_the_channel_in_use(
    router: Router, knowledge: KnowledgeBase, lang: str
) -> None:
    privacy = knowledge.topic("privacy", lang)
    web = Chat(router, lang, Channel.WEBCHAT).press("topic:privacy")
    teams = Chat(router, lang, Channel.TEAMS).press("topic:privacy")
    assert privacy.section("webchat").text[:30] in text_of(web)
    assert privacy.section("platform").text[:30] in text_of(teams)
    assert "Microsoft Teams" in text_of(teams)
    for replies in (web, teams):
        assert privacy.section("levels").text[:30] in text_of(replies)


@pytest.mark.parametrize("channel", [Channel.WEBCHAT, Channel.TEAMS])
def test_privacy_shows_your_rights_after_what_the_bot_stores(
    router: Router, knowledge: KnowledgeBase, lang: str, channel: Channel
) -> None:
    privacy = knowledge.topic("privacy", lang)
    text = text_of(Chat(router, lang, channel).press("topic:privacy"))
    data, rights = privacy.section("data"), privacy.section("rights")
    assert f"**{rights.heading}**\n{rights.text}" in text
    assert text.index(data.text) < text.index(rights.heading)


def test_language_switch_by_word_keeps_the_place(chat: Chat, lang: str) -> None:
    other = "en" if lang == "nl" else "nl"
    chat.press("topic:bystander")
    chat.press("bystander:seen:other")
    replies = chat.say("English please" if other == "en" else "Nederlands")
    assert all(reply.lang == other for reply in replies)
    assert chat.session.lang_chosen
    assert actions(replies) == ["bystander:danger:yes", "bystander:danger:no"]


def test_language_switch_by_button(chat: Chat, lang: str) -> None:
    other = "en" if lang == "nl" else "nl"
    replies = chat.press(f"lang:{other}")
    assert replies[-1].lang == other
    assert f"lang:{lang}" in actions(replies)


def test_a_whole_message_in_the_other_language_answers_in_it_chosen_or_not(
    router: Router,
) -> None:
    chat = Chat(router, "nl", Channel.WEBCHAT)
    replies = chat.say("What does a confidential adviser do?")
    assert replies[-1].lang == "en"
    chat.press("lang:nl")
    replies = chat.say("sorry")
    assert replies[-1].lang == "nl"
    replies = chat.say("What does a confidential adviser do?")
    assert replies[-1].lang == "en"


def test_questions_in_words_reach_the_right_dialog(router: Router) -> None:
    chat = Chat(router, "nl", Channel.WEBCHAT)
    chat.say("ik zag dat een collega werd uitgescholden om zijn afkomst")
    assert chat.session.state.dialog == "bystander"
    chat.say("wat doet een vertrouwenspersoon eigenlijk")
    assert chat.session.state.data.get("route") == "confidential-adviser"


def test_gibberish_gets_the_menu_not_a_guess(chat: Chat) -> None:
    replies = chat.say("qwrtz plof bnnn")
    assert "topic:options" in actions(replies)
    assert chat.session.state.dialog == ""


def test_answer_topics_show_text_and_related(
    chat: Chat, knowledge: KnowledgeBase, lang: str
) -> None:
    for topic_id in ("definitions", "follow-up", "signal", "help"):
        replies = chat.press(f"topic:{topic_id}")
        assert knowledge.topic(topic_id, lang).intro[:30] in text_of(replies)
        assert "menu:show" in actions(replies) or "topic:options" in actions(replies)
