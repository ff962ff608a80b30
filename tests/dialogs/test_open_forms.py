"""Nothing a person wrote in a form is lost: a crisis, a stale form or text in the box.

The driver carries out each effect the way the service would, with a fixed directory and
a store that only records what it was asked to keep.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import pytest

from bot.core import Channel, Form, Incoming, Kind, Reply
from bot.router import MAX_FORM_VALUE_CHARS, Outcome, Router, Session
from dialogs.effects import (
    AddToThread,
    Directory,
    Effect,
    LoadDirectory,
    ReadThread,
    Result,
    SubmitSignal,
)
from dialogs.messages import Messages
from tests.dialogs.conftest import actions, text_of

DIRECTORY = Directory(
    advisers=(("adv-1", "Anna"), ("adv-2", "Bram")),
    units=("Tax", "IT"),
    languages=("nl", "en"),
    attributes=("woman",),
)
CRISIS = {"nl": "ik wil niet meer leven", "en": "I don't want to live anymore"}
SIGNAL = {"what": "Mijn collega noemt mij steeds een aap.", "role": "target", "kinds": "racism"}
T = Messages.load()


class FormChat:
    """Keeps the session like the service does and carries out every effect."""

    def __init__(self, router: Router, lang: str, channel: Channel = Channel.WEBCHAT) -> None:
        self.router = router
        self.channel = channel
        self.session = Session(lang=lang)
        self.effects: list[Effect] = []
        self.last: Outcome | None = None

    def _send(self, **fields: object) -> tuple[Reply, ...]:
        event = Incoming(channel=self.channel, conversation="c-1", **fields)  # type: ignore[arg-type]
        outcome = self.router.route(event, self.session)
        if outcome.effect is not None:
            self.effects.append(outcome.effect)
            result = _result(outcome.effect)
            outcome = replace(self.router.after(event, outcome, result), changed=True)
        self.last = outcome
        if outcome.changed:
            self.session = outcome.session
        return outcome.replies

    def say(self, text: str) -> tuple[Reply, ...]:
        return self._send(kind=Kind.TEXT, text=text)

    def press(self, action: str) -> tuple[Reply, ...]:
        return self._send(kind=Kind.ACTION, action=action)

    def submit(self, form: str, data: Mapping[str, str]) -> tuple[Reply, ...]:
        return self._send(kind=Kind.FORM, form=form, data=data)

    def stored(self) -> list[Effect]:
        return [e for e in self.effects if isinstance(e, SubmitSignal | AddToThread)]


def _result(effect: Effect) -> Result:
    if isinstance(effect, LoadDirectory):
        return Result(directory=DIRECTORY)
    if isinstance(effect, SubmitSignal) and effect.content.what.startswith("BUSY"):
        return Result(error="busy")
    if isinstance(effect, SubmitSignal):
        return Result(receipt="ABCD-EFGH-JKLM-NPQR")
    if isinstance(effect, ReadThread | AddToThread) and effect.receipt.startswith("WRONG"):
        return Result(error="not_found")
    return Result()


def form_in(replies: tuple[Reply, ...]) -> Form:
    [form] = [reply.form for reply in replies if reply.form is not None]
    return form


def values(form: Form) -> dict[str, str]:
    return {field.name: field.value for field in form.fields if field.value}


@pytest.fixture
def person(router: Router, lang: str) -> FormChat:
    return FormChat(router, lang)


def open_signal(person: FormChat, mode: str = "anonymous") -> Form:
    person.press("topic:signal")
    return form_in(person.press(f"signal:mode:{mode}"))


# ---- the form id says its mode -------------------------------------------------------


def test_the_signal_form_id_carries_its_mode(person: FormChat) -> None:
    assert open_signal(person, "named").id == "signal:intake:named"


# ---- a crisis while a form is open -----------------------------------------------------


def test_a_crisis_leaves_the_form_usable_and_its_submission_is_stored(
    person: FormChat, lang: str
) -> None:
    form = open_signal(person)
    crisis = person.say(CRISIS[lang])
    assert "112" in text_of(crisis)
    assert [reply.supersedes for reply in crisis] == [False], "the form stays usable"
    assert "crisis:resume" in actions(crisis)

    replies = person.submit(form.id, SIGNAL)

    [stored] = person.stored()
    assert isinstance(stored, SubmitSignal) and stored.content.what == SIGNAL["what"]
    assert any(reply.sensitive and "ABCD-EFGH-JKLM-NPQR" in reply.text for reply in replies)


def test_back_to_where_i_was_shows_the_same_form_again(person: FormChat, lang: str) -> None:
    form = open_signal(person)
    person.say(CRISIS[lang])
    again = form_in(person.press("crisis:resume"))
    assert again == form
    assert isinstance(person.effects[-1], LoadDirectory), "the directory is read again"


def test_a_crisis_without_a_form_open_supersedes_as_before(person: FormChat, lang: str) -> None:
    person.press("topic:bystander")
    assert [reply.supersedes for reply in person.say(CRISIS[lang])] == [True]


def test_the_crisis_button_during_a_form_keeps_the_form_too(person: FormChat) -> None:
    form = open_signal(person)
    crisis = person.press("topic:crisis")
    assert [reply.supersedes for reply in crisis] == [False]
    assert form_in(person.press("crisis:resume")) == form


# ---- a stale form ------------------------------------------------------------------------


def test_a_stale_form_is_not_sent_and_comes_back_with_the_text(person: FormChat, lang: str) -> None:
    form = open_signal(person)
    person.press("topic:options")  # moved on: the form is no longer where the session is
    replies = person.submit(form.id, SIGNAL)

    assert person.stored() == []
    assert replies[0].text == T.text(lang, "input.not_sent")
    again = form_in(replies)
    assert again.id == form.id
    assert values(again) == SIGNAL
    assert isinstance(person.effects[-1], LoadDirectory), "the directory is read again"
    sent = person.submit(again.id, values(again))
    assert len(person.stored()) == 1 and any(reply.sensitive for reply in sent)


def test_an_expired_session_gets_the_form_of_the_same_mode_back(router: Router, lang: str) -> None:
    # A new session stands for an expired or restarted one: the form id alone says the mode.
    person = FormChat(router, lang)
    named = {**SIGNAL, "contact": "Kamer 12"}
    replies = person.submit("signal:intake:named", named)
    assert person.stored() == []
    again = form_in(replies)
    assert again.id == "signal:intake:named"
    assert values(again) == named


def test_a_stale_re_offer_drops_choices_no_longer_allowed(person: FormChat) -> None:
    person.submit(
        "signal:intake:anonymous",
        {**SIGNAL, "kinds": "racism,gossip", "unit": "Mars", "exclude": "adv-2,adv-9"},
    )
    again = values(form_in(person.last.replies if person.last else ()))
    assert again["kinds"] == "racism"
    assert again["exclude"] == "adv-2"
    assert "unit" not in again


def test_a_problem_in_the_form_brings_it_back_with_what_was_written(
    person: FormChat, lang: str
) -> None:
    form = open_signal(person)
    replies = person.submit(form.id, {"what": "Het gebeurde in de kantine."})
    assert replies[0].text == T.text(lang, "signal.missing_role")
    assert values(form_in(replies)) == {"what": "Het gebeurde in de kantine."}
    assert person.stored() == []


def test_a_busy_moment_leaves_the_form_on_screen_usable(person: FormChat) -> None:
    form = open_signal(person)
    busy = person.submit(form.id, {**SIGNAL, "what": "BUSY Het gebeurde gisteren."})
    assert [reply.supersedes for reply in busy] == [False]
    assert any(reply.sensitive for reply in person.submit(form.id, SIGNAL))


def test_a_refusal_changes_nothing_and_so_supersedes_nothing(person: FormChat) -> None:
    open_signal(person)
    for refused in (person.press("nonsense:x"), person.say(""), person.say("x" * 2001)):
        assert [reply.supersedes for reply in refused] == [False]


@pytest.mark.parametrize(
    "form_id",
    ["signal:intake:nobody", "signal:delete", "signal:", "nonsense:intake", "adviser:unlock", ""],
)
def test_a_forged_form_id_is_refused_and_changes_nothing(person: FormChat, form_id: str) -> None:
    open_signal(person)
    before = person.session
    replies = person.submit(form_id, SIGNAL)
    assert person.last is not None and not person.last.changed
    assert replies[0].text == T.text(person.session.lang, "input.unknown_form")
    assert person.session == before and person.stored() == []


def test_a_huge_stale_submission_is_refused_and_changes_nothing(person: FormChat) -> None:
    huge = {**SIGNAL, "what": "w" * (MAX_FORM_VALUE_CHARS + 1)}
    replies = person.submit("signal:intake:anonymous", huge)
    assert person.last is not None and not person.last.changed
    assert person.effects == [] and all(reply.form is None for reply in replies)


# ---- text in the message box while a form is open ---------------------------------------


def test_text_while_the_form_is_open_is_never_matched_or_kept(person: FormChat, lang: str) -> None:
    form = open_signal(person)
    before = person.session
    replies = person.say("Mijn collega noemt mij steeds een aap, wat kan ik doen?")
    assert person.last is not None and not person.last.changed
    assert [reply.text for reply in replies] == [T.text(lang, "input.use_form")]
    assert [reply.supersedes for reply in replies] == [False]
    assert person.session == before
    assert form_in(person.press(actions(replies)[0])) == form, "its button shows the form"


def test_a_crisis_still_comes_first_while_the_form_is_open(person: FormChat, lang: str) -> None:
    open_signal(person)
    assert "112" in text_of(person.say(CRISIS[lang]))


def test_a_language_request_still_works_while_the_form_is_open(person: FormChat) -> None:
    form = open_signal(person)
    other = "en" if person.session.lang == "nl" else "nl"
    replies = person.say("English please" if other == "en" else "Nederlands graag")
    assert person.session.lang == other
    assert form_in(replies).id == form.id


# ---- the follow-up forms ------------------------------------------------------------------


def test_text_while_a_follow_up_form_is_open_gets_the_aside(person: FormChat, lang: str) -> None:
    person.press("topic:follow-up")
    replies = person.say("ABCD-EFGH-JKLM-NPQR")  # a receipt typed in the box: never matched
    assert [reply.text for reply in replies] == [T.text(lang, "input.use_form")]
    assert person.last is not None and not person.last.changed


def test_a_stale_add_form_keeps_the_text_and_never_the_receipt(person: FormChat, lang: str) -> None:
    replies = person.submit("follow-up:add", {"code": "ABCD-EFGH-JKLM-NPQR", "text": "Nog iets."})
    assert person.stored() == []
    assert replies[0].text == T.text(lang, "input.not_sent")
    again = form_in(replies)
    assert again.id == "follow-up:add"
    assert values(again) == {"text": "Nog iets."}


def test_a_stale_receipt_form_is_offered_again_empty(person: FormChat) -> None:
    again = form_in(person.submit("follow-up:read", {"code": "ABCD-EFGH-JKLM-NPQR"}))
    assert again.id == "follow-up:read" and values(again) == {}
    assert person.effects == []


def test_a_crisis_during_the_add_form_resumes_the_add_form(person: FormChat, lang: str) -> None:
    person.press("topic:follow-up")
    form = form_in(person.press("follow-up:add"))
    person.say(CRISIS[lang])
    assert form_in(person.press("crisis:resume")) == form
    person.say(CRISIS[lang])
    person.submit(form.id, {"code": "ABCD-EFGH-JKLM-NPQR", "text": "Nog iets."})
    [added] = person.stored()
    assert isinstance(added, AddToThread) and added.text == "Nog iets."


def test_a_wrong_receipt_on_the_add_form_keeps_the_text(person: FormChat, lang: str) -> None:
    person.press("topic:follow-up")
    form = form_in(person.press("follow-up:add"))
    replies = person.submit(form.id, {"code": "WRONG-CODE", "text": "Nog iets."})
    assert replies[0].text == T.text(lang, "follow_up.not_found")
    again = form_in(replies)
    assert again.id == form.id and values(again) == {"text": "Nog iets."}


def test_show_the_form_again_without_an_open_form_is_refused(person: FormChat, lang: str) -> None:
    replies = person.press("form:again")
    assert replies[0].text == T.text(lang, "input.unknown_action")
    assert person.last is not None and not person.last.changed and person.effects == []


# ---- crisis words written inside a form ---------------------------------------------------


def test_crisis_words_in_a_signal_put_112_and_113_before_the_receipt(
    person: FormChat, lang: str
) -> None:
    form = open_signal(person)
    replies = person.submit(form.id, {**SIGNAL, "what": f"Ik word gepest. {CRISIS[lang]}"})
    assert len(person.stored()) == 1, "the signal is still left, as the person asked"
    assert "112" in replies[0].text and "113" in replies[0].text
    assert not replies[0].supersedes and not replies[0].buttons
    assert any(reply.sensitive for reply in replies[1:]), "the receipt follows"


def test_crisis_words_in_a_refused_form_still_come_first(person: FormChat, lang: str) -> None:
    form = open_signal(person)
    replies = person.submit(form.id, {**SIGNAL, "role": "", "when": CRISIS[lang]})
    assert person.stored() == []
    assert "112" in replies[0].text
    assert form_in(replies).id == form.id, "the form comes back to be corrected"


def test_a_form_without_crisis_words_gets_no_crisis_answer(person: FormChat) -> None:
    form = open_signal(person)
    replies = person.submit(form.id, SIGNAL)
    assert "112" not in text_of(replies)


def test_a_huge_form_is_read_for_crisis_words_only_up_to_its_budget(
    router: Router, lang: str
) -> None:
    person = FormChat(router, lang)
    form = open_signal(person)
    padding = {f"x{i}": "a" * MAX_FORM_VALUE_CHARS for i in range(3)}
    replies = person.submit(form.id, {**SIGNAL, **padding, "zz": CRISIS[lang]})
    assert "112" not in replies[0].text, "words past the budget are not read"


def test_the_aside_beside_a_form_offers_a_way_out(person: FormChat) -> None:
    open_signal(person)
    [aside] = person.say("mag ik later mijn naam nog geven?")
    assert actions((aside,)) == ["form:again", "menu:show"]
    menu = person.press("menu:show")
    assert menu[-1].supersedes and person.session.state.dialog == ""


def test_the_signal_form_lists_the_conversation_language_first(person: FormChat, lang: str) -> None:
    form = open_signal(person)
    [choice] = [f for f in form.fields if f.name == "adviser_language"]
    assert choice.choices[0].value == lang
