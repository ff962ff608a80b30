"""Coming back with the receipt: read, add, delete; wrong receipts learn nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import Services
from bot.signals.attempts import PER_CONVERSATION
from tests.signals.conftest import (
    SIGNAL_TABLES,
    Person,
    add_to_thread,
    adviser_in_teams,
    all_text,
    closed_as,
    core_at,
    count,
    delete_signal,
    read_thread,
    reporter,
    signal_ids,
    snapshot,
    submit_signal,
    t,
)

UNKNOWN_RECEIPT = "0000-0000-0000-0000-0000-0"  # well formed, check symbol right, no signal
# Each with the answer it gets: what is wrong is read from the typed text alone.
MALFORMED_RECEIPTS = {
    "ABCD-EFGH": ("follow_up.receipt_length", {"count": "8"}),  # too short
    "ABCD-EFGH-JKMN-PQRS-TVWX-YZ": ("follow_up.receipt_length", {"count": "22"}),  # too long
    "A": ("follow_up.receipt_length_one", {}),
    "UUUU-UUUU-UUUU-UUUU-UUUU-U": ("follow_up.receipt_symbol", {}),  # never issued
    "0000-0000-0000-0000-0000-1": ("follow_up.receipt_check", {}),  # right length, one typo
    "": ("follow_up.malformed_receipt", {}),
    "x" * 500: ("follow_up.malformed_receipt", {}),
}


async def test_the_reporter_reads_the_advisers_reply(services: Services) -> None:
    sent = await submit_signal(services)
    desk = await adviser_in_teams(services, "aad-reader")
    await desk.unlock()
    (signal_id,) = await signal_ids(services)
    await desk.write(signal_id, "Canary-Text-c1: shall we talk on Monday?")
    await desk.write(signal_id, "Canary-Text-c2: which team?", verb="ask")
    thread = all_text(await read_thread(sent.person, sent.receipt))
    assert "Canary-Text-c1: shall we talk on Monday?" in thread
    assert "Canary-Text-c2: which team?" in thread
    assert t("follow_up.status_open") in thread
    assert t("follow_up.no_answer_yet") not in thread


async def test_before_an_answer_the_reporter_is_told_so(services: Services) -> None:
    sent = await submit_signal(services)
    thread = all_text(await read_thread(sent.person, sent.receipt))
    assert t("follow_up.no_answer_yet") in thread


async def test_the_reporter_adds_to_the_thread_and_reads_it_back(services: Services) -> None:
    sent = await submit_signal(services)
    added = await add_to_thread(sent.person, sent.receipt, "Canary-Text-c3: it happened again")
    assert all_text(added) == t("follow_up.added")
    assert await count(services, "signal_messages") == 2
    thread = all_text(await read_thread(sent.person, sent.receipt))
    assert "Canary-Text-c3: it happened again" in thread


async def test_an_empty_addition_is_refused(services: Services) -> None:
    sent = await submit_signal(services)
    refused = await add_to_thread(sent.person, sent.receipt, "   ")
    assert t("follow_up.empty") in all_text(refused)
    assert await count(services, "signal_messages") == 1


async def test_deleting_removes_the_signal_its_thread_and_every_wrap(services: Services) -> None:
    await adviser_in_teams(services, "aad-second", name="Canary-Name-de01")
    kept = await submit_signal(services, what="Canary-Text-c4")
    gone = await submit_signal(services, what="Canary-Text-c5")
    await add_to_thread(gone.person, gone.receipt, "Canary-Text-c6")
    before = await snapshot(services)
    replies = await delete_signal(gone.person, gone.receipt)
    assert all_text(replies) == t("follow_up.deleted")
    after = await snapshot(services)
    assert len(after["signals"]) == 1
    assert len(after["signal_messages"]) == 1
    assert len(after["signal_wraps"]) == 2
    survivors = set(after["signals"])
    assert survivors <= set(before["signals"])
    assert t("follow_up.status_open") in all_text(await read_thread(kept.person, kept.receipt))
    assert t("follow_up.not_found") in all_text(await read_thread(gone.person, gone.receipt))


async def test_answering_no_to_delete_keeps_everything(services: Services) -> None:
    sent = await submit_signal(services)
    before = await snapshot(services)
    await sent.person.press("topic:follow-up")
    await sent.person.press("follow-up:delete")
    replies = await sent.person.submit("follow-up:delete", code=sent.receipt, confirm="no")
    assert all_text(replies) == t("follow_up.kept")
    assert await snapshot(services) == before


@pytest.mark.parametrize(
    "typed",
    [
        lambda r: r.lower(),
        lambda r: r.replace("-", ""),
        lambda r: r.replace("-", " ").lower(),
        lambda r: r.replace("1", "I").replace("0", "O"),
        lambda r: r.replace("1", "l").replace("0", "o").replace("-", ""),
        lambda r: f"  {r}  ",
    ],
    ids=["lower", "no-dashes", "spaces", "I-and-O", "l-and-o", "padded"],
)
async def test_receipts_typed_by_hand_still_open(services: Services, typed: object) -> None:
    sent = await submit_signal(services)
    assert callable(typed)
    thread = all_text(await read_thread(sent.person, typed(sent.receipt)))
    assert t("follow_up.status_open") in thread


async def test_a_look_alike_receipt_really_differs_from_the_original(services: Services) -> None:
    """Guards the test above: the look-alikes must have been in the receipt to be typed."""
    for _ in range(20):
        sent = await submit_signal(services)
        if any(c in sent.receipt for c in "01"):
            break
    assert any(c in sent.receipt for c in "01")
    typed = sent.receipt.replace("1", "I").replace("0", "O")
    assert typed != sent.receipt
    assert t("follow_up.status_open") in all_text(await read_thread(sent.person, typed))


@pytest.mark.parametrize(
    ("wrong", "answer"),
    [(UNKNOWN_RECEIPT, t("follow_up.not_found"))]
    + [(code, t(key, **values)) for code, (key, values) in MALFORMED_RECEIPTS.items()],
)
async def test_every_wrong_receipt_gets_the_same_answer_and_changes_nothing(
    services: Services, wrong: str, answer: str
) -> None:
    sent = await submit_signal(services)
    before = await snapshot(services)
    person = reporter(services)
    for replies in (
        await read_thread(person, wrong),
        await add_to_thread(person, wrong, "Canary-Text-c7"),
        await delete_signal(person, wrong),
    ):
        assert replies[0].text == answer
        # Only the message to add comes back (in its form, so it is not lost); nothing else.
        assert all_text(replies[1:]) in ("", t("follow_up.add_title"))
    assert await snapshot(services) == before
    assert t("follow_up.status_open") in all_text(await read_thread(sent.person, sent.receipt))


async def test_a_flipped_receipt_symbol_is_caught_by_the_check_symbol(services: Services) -> None:
    sent = await submit_signal(services)
    first = sent.receipt[0]
    flipped = ("2" if first != "2" else "3") + sent.receipt[1:]
    replies = await read_thread(reporter(services), flipped)
    assert all_text(replies) == t("follow_up.receipt_check")


async def test_a_wrong_length_says_how_many_and_a_mistyped_one_says_to_look_again(
    services: Services,
) -> None:
    """A missing symbol and a mistyped one are different mistakes with different answers."""
    sent = await submit_signal(services)
    person = reporter(services)
    short = await read_thread(person, sent.receipt[:-2])
    assert all_text(short) == t("follow_up.receipt_length", count="20")
    typo = sent.receipt[:-1] + ("2" if sent.receipt[-1] != "2" else "3")
    said = all_text(await read_thread(person, typo))
    assert said == t("follow_up.receipt_check")
    assert "21" in said and "missing" not in said and "look alike" in said


async def fail_until_limited(person: Person) -> None:
    for _ in range(PER_CONVERSATION):
        replies = await read_thread(person, UNKNOWN_RECEIPT)
        assert all_text(replies) == t("follow_up.not_found")


# Mid-window, so the five failures of a test never straddle two rate-limit windows.
STEADY = datetime(2026, 3, 2, 10, 7, tzinfo=UTC)


async def test_after_five_failures_even_the_right_receipt_is_refused(services: Services) -> None:
    core = core_at(services, STEADY)
    sent = await submit_signal(core)
    guesser = reporter(core)
    await fail_until_limited(guesser)
    before = await snapshot(services, *SIGNAL_TABLES)
    assert all_text(await read_thread(guesser, sent.receipt)) == t("follow_up.rate_limited")
    limited_add = await add_to_thread(guesser, sent.receipt, "Canary-Text-c8")
    assert limited_add[0].text == t("follow_up.rate_limited")
    assert all_text(await delete_signal(guesser, sent.receipt)) == t("follow_up.rate_limited")
    assert await snapshot(services, *SIGNAL_TABLES) == before


async def test_the_limit_is_per_conversation(services: Services) -> None:
    core = core_at(services, STEADY)
    sent = await submit_signal(core)
    await fail_until_limited(reporter(core))
    thread = all_text(await read_thread(sent.person, sent.receipt))
    assert t("follow_up.status_open") in thread


async def test_four_failures_are_not_yet_limited(services: Services) -> None:
    sent = await submit_signal(core_at(services, STEADY))
    for _ in range(PER_CONVERSATION - 1):
        await read_thread(sent.person, UNKNOWN_RECEIPT)
    thread = all_text(await read_thread(sent.person, sent.receipt))
    assert t("follow_up.status_open") in thread


async def test_a_closed_signal_can_be_read_but_not_added_to(services: Services) -> None:
    sent = await submit_signal(services)
    desk = await adviser_in_teams(services, "aad-closer")
    await desk.unlock()
    (signal_id,) = await signal_ids(services)
    assert all_text(await desk.close(signal_id, "informal")) == closed_as("informal")
    shown = await read_thread(sent.person, sent.receipt)
    assert t("follow_up.status_closed") in all_text(shown)
    offered = {button.action for reply in shown for button in reply.buttons}
    assert "follow-up:add" not in offered and "follow-up:delete" in offered
    refused = await add_to_thread(sent.person, sent.receipt, "Canary-Text-c9")
    assert t("follow_up.closed") in all_text(refused)
    assert await count(services, "signal_messages") == 1


async def test_a_closed_signal_says_it_is_closed_once_and_not_to_look_again(
    services: Services,
) -> None:
    sent = await submit_signal(services)
    desk = await adviser_in_teams(services, "aad-closer-once")
    await desk.unlock()
    (signal_id,) = await signal_ids(services)
    assert all_text(await desk.close(signal_id, "no-contact")) == closed_as("no-contact")
    shown = await read_thread(sent.person, sent.receipt)
    text = all_text(shown)
    # Closed without an answer: nothing will come, so no "look again in a few days".
    assert text.count(t("follow_up.status_closed")) == 1
    assert t("follow_up.no_answer_yet") not in text
    assert t("follow_up.status_open") not in text
    assert "follow-up:add" not in {b.action for reply in shown for b in reply.buttons}
