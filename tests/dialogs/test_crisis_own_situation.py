"""Danger in one's own situation now is crisis; a past attack with a question is not."""

from __future__ import annotations

import pytest

from bot.core import Channel
from bot.router import Router
from knowledge.base import KnowledgeBase
from knowledge.crisis import CrisisDetector
from tests.dialogs.conftest import Chat

DANGER_NOW = [
    "hij wacht me op",
    "hij wacht mij op na het werk",
    "mijn collega wacht me elke dag op bij de uitgang",
    "hij staat voor mijn deur",
    "hij staat nu voor de deur van mijn huis",
    "ik ben bang om naar huis te gaan",
    "ik durf niet naar huis",
    "ik durf niet meer naar buiten",
    "ik ben bang dat hij me iets aandoet",
    "hij staat buiten op me te wachten",
    "he is waiting for me outside",
    "he's waiting for me after work",
    "my manager is waiting for me in the parking lot",
    "he is standing outside my door",
    "I'm scared to go home",
    "i am afraid to go home",
    "I am too scared to leave the building",
    "im afraid he will hurt me",
    # Learnt from a message, still danger now (online threats alone are not acute).
    "hij stuurde berichten dat hij me opwacht na het werk",
    "he sent me whatsapp messages that he is waiting for me at the gate",
]
# A past attack with a question about reporting: the police topic answers it, 112 first.
PAST_WITH_QUESTION = [
    "ik ben vorige week op straat aangevallen door een collega, kan ik aangifte doen?",
    "ik ben vorig jaar aangevallen door een collega, kan ik dat nog melden?",
    "ik werd vorige maand bedreigd door een klant, kan ik aangifte doen",
    "I was attacked by a colleague last week, can I report it to the police?",
    "last month a colleague threatened me, can I still file a report?",
    "I was assaulted by a coworker two weeks ago, how do I report that?",
]
CALM = [
    "ik wacht op antwoord van de vertrouwenspersoon",
    "hoe lang moet ik wachten op een reactie",
    "ik ben bang dat mijn melding niet anoniem is",
    "I am afraid my manager will find out I reported him",
    "waiting for a reply from HR",
    "I'm scared to report it",
    "ik ben bang om het te melden",
    "ik ga naar huis na de vergadering",
    "HR is waiting for me to send the form",
    "ik word online bedreigd vanwege mijn werk",
]


@pytest.fixture(scope="module")
def detector() -> CrisisDetector:
    return CrisisDetector.load(known={"door", "opgeslagen", "deadline"})


@pytest.mark.parametrize("text", DANGER_NOW)
def test_danger_in_ones_own_situation_now_is_crisis(detector: CrisisDetector, text: str) -> None:
    assert detector.is_crisis(text)


@pytest.mark.parametrize("text", [*PAST_WITH_QUESTION, *CALM])
def test_a_past_attack_with_a_question_is_no_crisis(detector: CrisisDetector, text: str) -> None:
    assert not detector.is_crisis(text)


@pytest.mark.parametrize("text", DANGER_NOW)
def test_the_router_answers_danger_now_with_the_crisis_dialog(router: Router, text: str) -> None:
    chat = Chat(router, "nl", Channel.WEBCHAT)
    replies = chat.say(text)
    assert chat.session.state.dialog == "crisis"
    assert "112" in " ".join(reply.text for reply in replies)


@pytest.mark.parametrize("text", PAST_WITH_QUESTION)
def test_the_router_does_not_treat_a_past_attack_as_crisis(
    router: Router, knowledge: KnowledgeBase, text: str
) -> None:
    chat = Chat(router, "nl", Channel.WEBCHAT)
    chat.say(text)
    assert chat.session.state.dialog != "crisis"
    assert not knowledge.is_crisis(text)
