"""Leaving a signal through the core: the form, its checks, the receipt, who may read it."""

from __future__ import annotations

import json

import pytest

from bot.app import Services
from bot.core import Channel
from bot.router import MAX_FORM_VALUE_CHARS
from bot.state import ConversationRow
from tests.signals.conftest import (
    actions,
    add_to_thread,
    adviser_in_teams,
    all_text,
    count,
    form_of,
    open_intake,
    read_thread,
    receipt_in,
    reporter,
    rows,
    signal_ids,
    submit_signal,
    t,
    the_demo_adviser_id,
)


async def test_an_anonymous_signal_is_stored_sealed_and_a_receipt_shown_once(
    services: Services,
) -> None:
    sent = await submit_signal(services, what="Canary-Text-a1: a joke about my accent")
    sensitive, advice = sent.replies
    assert sensitive.sensitive and not advice.sensitive
    receipt = receipt_in(sent.replies)
    assert sensitive.text == t("signal.receipt", receipt=receipt)
    assert t("signal.receipt_advice") in advice.text
    assert receipt not in advice.text
    assert "topic:follow-up" in actions(sent.replies)
    assert await count(services, "signals") == 1
    assert await count(services, "signal_messages") == 1
    later = await read_thread(sent.person, receipt)
    assert receipt not in all_text(later), "the receipt is shown once, never again"


async def test_the_receipt_has_the_promised_shape(services: Services) -> None:
    receipt = (await submit_signal(services)).receipt
    groups = receipt.split("-")
    assert [len(g) for g in groups] == [4, 4, 4, 4, 4, 1]
    assert set(receipt.replace("-", "")) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


async def test_after_submitting_the_conversation_keeps_no_trace_of_a_signal(
    services: Services,
) -> None:
    await submit_signal(services, what="Canary-Text-a2", hope="Canary-Text-a3")
    (conversation,) = await rows(services, "conversations")
    stored = dict(zip(_columns(), conversation, strict=False))
    assert stored["dialog"] == "" and stored["step"] == ""
    assert json.loads(str(stored["data"])) == {}
    assert stored["adviser_session"] == ""


def _columns() -> tuple[str, ...]:
    return tuple(column.name for column in ConversationRow.__table__.columns)


async def test_a_named_request_needs_contact_details(services: Services) -> None:
    person = reporter(services)
    shown = await open_intake(person, "named")
    contact = form_of(shown)["fields"]["contact"]  # type: ignore[index]
    assert contact.required
    refused = await person.submit("signal:intake", what="Canary-Text-a4", role="witness")
    assert refused[0].text == t("signal.missing_contact")
    assert form_of(refused)["fields"]["what"].value == "Canary-Text-a4", "the form is back"  # type: ignore[index]
    assert await count(services, "signals") == 0
    stored = await person.submit(
        "signal:intake", what="Canary-Text-a4", role="witness", contact="Canary-Name-7f3a, ext 12"
    )
    receipt = receipt_in(stored)
    assert stored[0].text == t("signal.stored_named", receipt=receipt)
    assert await count(services, "signals") == 1


FILLED = {"what": "Canary-Text-a5", "role": "target"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"role": "target"}, "signal.missing_what"),
        ({"what": "   ", "role": "target"}, "signal.missing_what"),
        ({"what": "Canary-Text-a5"}, "signal.missing_role"),
        ({"what": "Canary-Text-a5", "role": "boss"}, "signal.missing_role"),
        (
            {**FILLED, "kinds": "racism,gossip"},
            "signal.bad_choice",
        ),
        ({**FILLED, "when": "tomorrow"}, "signal.bad_choice"),
        ({**FILLED, "exclude": "nobody"}, "signal.bad_choice"),
        ({**FILLED, "unit": "Mars"}, "signal.bad_choice"),
        ({**FILLED, "hope": "h" * 1500}, "signal.too_long"),
        ({**FILLED, "what": "w" * 4001}, "signal.too_long"),
    ],
)
async def test_a_bad_form_gets_a_clear_message_and_nothing_is_stored(
    services: Services, data: dict[str, str], message: str
) -> None:
    person = reporter(services)
    await open_intake(person)
    replies = await person.submit("signal:intake", **data)
    assert replies[0].text == t(message, what="4000", short="1000")
    again = form_of(replies)
    assert again["id"] == "signal:intake:anonymous", "the form comes back with what was written"
    assert again["fields"]["what"].value == data.get("what", "").strip()  # type: ignore[index]
    assert not any(reply.sensitive for reply in replies)
    assert await count(services, "signals") == 0
    retried = await person.submit("signal:intake", what="Canary-Text-a6", role="target")
    assert receipt_in(retried), "the form can be sent again after a correction"


async def test_the_form_takes_a_longer_account_than_a_chat_message(services: Services) -> None:
    person = reporter(services)
    await open_intake(person)
    longer = "w" * (services.settings.max_message_chars + 500)
    replies = await person.submit("signal:intake", what=longer, role="target")
    assert receipt_in(replies)


async def test_an_absurdly_large_field_is_refused_with_the_limit_and_nothing_stored(
    services: Services,
) -> None:
    person = reporter(services)
    await open_intake(person)
    limit = MAX_FORM_VALUE_CHARS
    replies = await person.submit("signal:intake", what="w" * (limit + 1), role="target")
    assert all_text(replies) == t("input.too_long", limit=str(limit))
    assert await count(services, "signals") == 0


async def test_a_form_sent_without_opening_the_intake_is_refused(services: Services) -> None:
    person = reporter(services)
    replies = await person.submit("signal:intake", what="Canary-Text-a7", role="target")
    assert all_text(replies) == t("input.unknown_form")
    assert await count(services, "signals") == 0


async def test_an_excluded_adviser_gets_no_wrap_and_cannot_open(services: Services) -> None:
    excluded = await adviser_in_teams(services, "aad-excluded", name="Canary-Name-ex01")
    shown = await open_intake(person := reporter(services))
    choices = {c.value for c in form_of(shown)["fields"]["exclude"].choices}  # type: ignore[index]
    assert excluded.adviser_id in choices
    await person.submit(
        "signal:intake", what="Canary-Text-a8", role="target", exclude=excluded.adviser_id
    )
    (signal_id,) = await signal_ids(services)
    wrapped = {row[1] for row in await rows(services, "signal_wraps")}
    assert wrapped == {await the_demo_adviser_id(services)}
    await excluded.unlock()
    refused = await excluded.open(signal_id)
    assert t("adviser.not_yours") in all_text(refused)
    assert "Canary-Text-a8" not in all_text(refused)


async def test_outside_my_unit_excludes_the_advisers_of_that_unit(services: Services) -> None:
    inside = await adviser_in_teams(services, "aad-inside", name="Canary-Name-in02", units=("Tax",))
    outside = await adviser_in_teams(services, "aad-out", name="Canary-Name-out3", units=("Water",))
    person = reporter(services)
    shown = await open_intake(person)
    assert {c.value for c in form_of(shown)["fields"]["unit"].choices} == {"Tax", "Water"}  # type: ignore[index]
    await person.submit(
        "signal:intake", what="Canary-Text-a9", role="witness", unit="Tax", outside_unit="yes"
    )
    wrapped = {row[1] for row in await rows(services, "signal_wraps")}
    assert inside.adviser_id not in wrapped
    assert outside.adviser_id in wrapped


async def test_the_own_unit_without_the_wish_keeps_everyone(services: Services) -> None:
    inside = await adviser_in_teams(services, "aad-inside", name="Canary-Name-in04", units=("Tax",))
    await submit_signal(services, unit="Tax", outside_unit="no")
    wrapped = {row[1] for row in await rows(services, "signal_wraps")}
    assert inside.adviser_id in wrapped


async def test_without_an_enrolled_adviser_nothing_is_stored(services: Services) -> None:
    await services.signals.desk.disable_adviser(await the_demo_adviser_id(services))
    person = reporter(services)
    opened = await open_intake(person)
    contact = services.knowledge.contact("confidential-adviser", "en")
    told = all_text(opened)
    assert told == t("signal.no_adviser", contact=contact), "told before writing"
    # Nobody can take a signal now: the answer must not invite one here after all.
    invitation = services.knowledge.topic("confidential-adviser", "en").section("next").text
    assert invitation not in told and "leave an anonymous signal" not in told
    assert "try again later" in told and contact in told
    assert not any(reply.form for reply in opened)
    replies = await person.submit("signal:intake", what="Canary-Text-b1", role="target")
    assert not any(reply.sensitive for reply in replies)
    for table in ("signals", "signal_messages", "signal_wraps"):
        assert await count(services, table) == 0


async def test_excluding_every_adviser_is_like_having_none(services: Services) -> None:
    other = await adviser_in_teams(services, "aad-other", name="Canary-Name-ot05")
    demo = await the_demo_adviser_id(services)
    person = reporter(services)
    await open_intake(person)
    replies = await person.submit(
        "signal:intake", what="Canary-Text-b2", role="target", exclude=f"{demo},{other.adviser_id}"
    )
    assert "Nothing was stored" in all_text(replies)
    assert await count(services, "signals") == 0


async def test_a_teams_reporter_is_told_the_platform_keeps_a_transcript(
    services: Services,
) -> None:
    sent = await submit_signal(services, channel=Channel.TEAMS)
    assert "Teams" in sent.replies[1].text


async def test_the_signal_content_reaches_only_the_seal(services: Services) -> None:
    sent = await submit_signal(services, what="Canary-Text-b3", hope="Canary-Text-b4")
    await add_to_thread(sent.person, sent.receipt, "Canary-Text-b5")
    binding = "test\x1fconversation"
    opened = await services.signals.sessions.unlock(
        await the_demo_adviser_id(services), "demo-passphrase", binding
    )
    who = await services.signals.sessions.resume(opened.reference, binding)
    (signal_id,) = await signal_ids(services)
    view = await services.signals.desk.open(who, signal_id)
    assert view.content.what == "Canary-Text-b3"
    assert view.content.hope == "Canary-Text-b4"
    assert [entry.message.text for entry in view.thread] == ["Canary-Text-b5"]
