"""The adviser dialog's answers to what the desk reports: waits, failures, already closed."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core import Channel, Incoming, Kind
from bot.router import Outcome, Router, Session
from bot.signals.content import SignalContent, SignalView
from bot.signals.unlock_guard import FailedUnlocks
from bot.stats.categories import OUTCOMES
from dialogs.adviser import ISO_DATE
from dialogs.base import DialogState
from dialogs.effects import (
    AcknowledgeSignal,
    CloseSignal,
    OpenSignal,
    Result,
    SetAway,
    Unlock,
)
from dialogs.messages import Messages
from dialogs.outcomes import close_as_action
from knowledge.topic_file import MAX_TITLE

NAME = "Canary-Name-dlg"
SIGNAL = "0" * 32
MESSAGES = Messages.load()


def submitted(router: Router, lang: str, **fields: object) -> tuple[Incoming, Outcome]:
    event = Incoming(Channel.TEAMS, "c-adviser", sender="aad-1", **fields)  # type: ignore[arg-type]
    # The adviser has pressed "Inbox" and was asked to unlock: the desk is the active dialog.
    session = Session(lang=lang, lang_chosen=True, state=DialogState("adviser", "unlock"))
    return event, router.route(event, session, NAME)


def unlocking(router: Router, lang: str) -> tuple[Incoming, Outcome]:
    event, outcome = submitted(
        router, lang, kind=Kind.FORM, form="adviser:unlock", data={"passphrase": "x"}
    )
    assert isinstance(outcome.effect, Unlock)
    return event, outcome


@pytest.mark.parametrize("error", ["unlock_wait", "busy"])
def test_a_refused_unlock_says_why_and_offers_the_form_again(
    router: Router, lang: str, error: str
) -> None:
    event, outcome = unlocking(router, lang)
    done = router.after(event, outcome, Result(error=error, session_minutes=30), NAME)
    (reply,) = done.replies
    assert reply.text == MESSAGES.text(lang, f"adviser.{error}")
    assert reply.form is not None and reply.form.id == "adviser:unlock"


FAILED_ON = {"nl": "1 april 2026, 3 april 2026", "en": "1 April 2026, 3 April 2026"}


def test_failed_attempts_are_shown_at_the_next_unlock(router: Router, lang: str) -> None:
    event, outcome = unlocking(router, lang)
    failed = FailedUnlocks(3, (date(2026, 4, 1), date(2026, 4, 3)))
    result = Result(session="ref", session_minutes=30, failed_unlocks=failed)
    text = "\n".join(r.text for r in router.after(event, outcome, result, NAME).replies)
    expected = MESSAGES.text(lang, "adviser.failed_unlocks", count="3", dates=FAILED_ON[lang])
    assert expected in text
    quiet = Result(session="ref", session_minutes=30, failed_unlocks=FailedUnlocks())
    text = "\n".join(r.text for r in router.after(event, outcome, quiet, NAME).replies)
    assert expected not in text


def close_choice(lang: str) -> tuple[list[str], list[str]]:
    """The actions and labels of the question how the signal ended."""
    actions = [*(close_as_action(SIGNAL, o) for o in OUTCOMES), f"adviser:open:{SIGNAL}"]
    keys = [*(f"adviser.outcome_{o.replace('-', '_')}" for o in OUTCOMES), "adviser.keep_open"]
    return actions, [MESSAGES.text(lang, key) for key in keys]


@pytest.mark.parametrize("verb", ["close", "confirm-close"])
def test_closing_first_asks_how_the_signal_ended(router: Router, lang: str, verb: str) -> None:
    # "confirm-close" is the button of the earlier yes/no question on cards sent before.
    _, outcome = submitted(router, lang, kind=Kind.ACTION, action=f"adviser:{verb}:{SIGNAL}")
    assert outcome.effect is None, "nothing is closed by the first press"
    (reply,) = outcome.replies
    assert reply.text == MESSAGES.text(lang, "adviser.close_choose", id=SIGNAL[:8])
    assert UNDONE[lang] in reply.text, "pressing an outcome is the confirmation: say so"
    assert ([b.action for b in reply.buttons], [b.label for b in reply.buttons]) == close_choice(
        lang
    )


UNDONE = {"nl": "Afsluiten kun je niet terugdraaien.", "en": "Closing cannot be undone."}


@pytest.mark.parametrize("chosen", OUTCOMES)
def test_pressing_an_outcome_closes_with_it_and_says_which(
    router: Router, lang: str, chosen: str
) -> None:
    event, outcome = submitted(
        router, lang, kind=Kind.ACTION, action=close_as_action(SIGNAL, chosen)
    )
    assert outcome.effect == CloseSignal(SIGNAL, chosen)
    (reply,) = router.after(event, outcome, Result(), NAME).replies
    label = MESSAGES.text(lang, f"adviser.outcome_{chosen.replace('-', '_')}")
    assert reply.text == MESSAGES.text(lang, "adviser.closed_as", outcome=label)


def test_keep_open_opens_the_signal_again(router: Router, lang: str) -> None:
    (keep,) = [b for b in close_choice(lang)[0] if b.startswith("adviser:open:")]
    _, kept = submitted(router, lang, kind=Kind.ACTION, action=keep)
    assert kept.effect == OpenSignal(SIGNAL)


@pytest.mark.parametrize(
    "tampered",
    [
        f"close-as:{SIGNAL}:",
        f"close-as:{SIGNAL}:closed",
        f"close-as:{SIGNAL}:ADVICE",
        f"close-as:{SIGNAL}: advice",
        f"close-as:{SIGNAL}:advice:advice",
        f"close-as:{SIGNAL}:advice\n",
        f"close-as:{SIGNAL}",
    ],
)
def test_an_unknown_outcome_closes_nothing_and_asks_again(
    router: Router, lang: str, tampered: str
) -> None:
    _, outcome = submitted(router, lang, kind=Kind.ACTION, action=f"adviser:{tampered}")
    assert outcome.effect is None
    (reply,) = outcome.replies
    assert reply.text.startswith(MESSAGES.text(lang, "adviser.unknown_outcome"))
    assert ([b.action for b in reply.buttons], [b.label for b in reply.buttons]) == close_choice(
        lang
    )


@pytest.mark.parametrize(
    "tampered", ["close-as:abc:advice", "close-as::advice", f"open:{SIGNAL}:advice"]
)
def test_a_close_action_without_a_signal_id_is_refused(
    router: Router, lang: str, tampered: str
) -> None:
    _, outcome = submitted(router, lang, kind=Kind.ACTION, action=f"adviser:{tampered}")
    assert outcome.effect is None
    assert [r.text for r in outcome.replies] == [MESSAGES.text(lang, "input.unknown_action")]


def test_an_outcome_the_desk_refuses_is_told_plainly(router: Router, lang: str) -> None:
    event, outcome = submitted(
        router, lang, kind=Kind.ACTION, action=close_as_action(SIGNAL, "advice")
    )
    done = router.after(event, outcome, Result(error="unknown_outcome"), NAME)
    assert done.replies[0].text == MESSAGES.text(lang, "adviser.unknown_outcome")


def test_closing_a_closed_signal_says_so(router: Router, lang: str) -> None:
    action = close_as_action(SIGNAL, "informal")
    event, outcome = submitted(router, lang, kind=Kind.ACTION, action=action)
    assert isinstance(outcome.effect, CloseSignal)
    done = router.after(event, outcome, Result(error="already_closed"), NAME)
    assert done.replies[0].text == MESSAGES.text(lang, "adviser.already_closed")


@pytest.mark.parametrize("lang_", ["nl", "en"])
def test_every_outcome_label_fits_a_button_and_is_its_own(lang_: str) -> None:
    _, labels = close_choice(lang_)
    assert len(set(labels)) == len(labels) == len(OUTCOMES) + 1
    assert all(len(label) <= MAX_TITLE for label in labels), labels


WRITTEN = {"nl": ("1 juli 2026", "14 juli 2026"), "en": ("1 July 2026", "14 July 2026")}


@pytest.mark.parametrize("first_day", ["2026-07-01", "1-7-2026", "01-07-2026", " 1-7-2026 "])
def test_the_away_form_takes_a_date_as_people_write_it(
    router: Router, lang: str, first_day: str
) -> None:
    data = {"from": first_day, "until": "14-7-2026"}
    event, outcome = submitted(router, lang, kind=Kind.FORM, form="adviser:away", data=data)
    assert outcome.effect == SetAway(date(2026, 7, 1), date(2026, 7, 14))
    (reply,) = router.after(event, outcome, Result(), NAME).replies
    start, end = WRITTEN[lang]
    assert reply.text == MESSAGES.text(lang, "adviser.away_saved", start=start, end=end)
    assert not ISO_DATE.search(reply.text), "people read dates, not ISO dates"


@pytest.mark.parametrize("bad", ["1 juli", "31-6-2026", "2026-7-1", "1-7-26", "7/1/2026"])
def test_an_away_date_the_desk_cannot_read_asks_again(router: Router, lang: str, bad: str) -> None:
    data = {"from": bad, "until": "14-7-2026"}
    _, outcome = submitted(router, lang, kind=Kind.FORM, form="adviser:away", data=data)
    assert outcome.effect is None
    assert MESSAGES.text(lang, "adviser.away_date") in "\n".join(r.text for r in outcome.replies)
    assert not any(ISO_DATE.search(r.text) for r in outcome.replies)


def test_an_acknowledgement_names_the_feedback_day_in_words(router: Router, lang: str) -> None:
    action = f"adviser:acknowledge:{SIGNAL}"
    event, outcome = submitted(router, lang, kind=Kind.ACTION, action=action)
    assert isinstance(outcome.effect, AcknowledgeSignal)
    (reply,) = router.after(event, outcome, Result(due=date(2026, 7, 14)), NAME).replies
    assert reply.text == MESSAGES.text(lang, "adviser.acknowledged", date=WRITTEN[lang][1])


CLOSED = SignalView(
    SIGNAL,
    "closed",
    date(2026, 12, 1),
    SignalContent("Canary-Text-lbl", kinds=("sexual",), role="witness", lang="en"),
)
SHOWN = {
    "nl": (
        "Seksuele intimidatie",
        "Ik zag het gebeuren",
        "afgesloten",
        "Engels",
        "1 december 2026",
    ),
    "en": ("Sexual harassment", "I saw it happen", "closed", "English", "1 December 2026"),
}


def test_an_opened_signal_shows_labels_in_the_advisers_language(router: Router, lang: str) -> None:
    event, outcome = submitted(router, lang, kind=Kind.ACTION, action=f"adviser:open:{SIGNAL}")
    (reply,) = router.after(event, outcome, Result(view=CLOSED), NAME).replies
    kind, role, status, reply_in, day = SHOWN[lang]
    assert f"**{MESSAGES.text(lang, 'adviser.field_kinds')}:** {kind}" in reply.text
    assert f"**{MESSAGES.text(lang, 'adviser.field_role')}:** {role}" in reply.text
    assert f"**{MESSAGES.text(lang, 'adviser.field_reply_language')}:** {reply_in}" in reply.text
    assert f"({day}, {status})" in reply.text
    assert "sexual" not in reply.text and "witness" not in reply.text
    # Closed: nothing more to answer, acknowledge or close; only the way back.
    assert [button.action for button in reply.buttons] == ["adviser:inbox"]
