"""Limits that keep strangers from costing others: none shared by all, all atomic, all bounded."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import func, select

from bot.app import Services
from bot.errors import RateLimited, ReceiptNotFound
from bot.signals.attempts import PER_CONVERSATION
from bot.signals.models import AttemptRow, SignalOpenRow
from tests.signals.conftest import (
    Build,
    all_text,
    count,
    read_thread,
    reporter,
    submit_signal,
    t,
)

UNKNOWN_RECEIPT = "0000-0000-0000-0000-0000-0"
MALFORMED = {  # each with the answer it gets, read from the typed text alone
    "ABCD-EFGH": ("follow_up.receipt_length", {"count": "8"}),
    "UUUU-UUUU-UUUU-UUUU-UUUU-U": ("follow_up.receipt_symbol", {}),
    "7K3M-Q9TX-A2BD-EFGH-JKMN-PQ": ("follow_up.receipt_length", {"count": "22"}),
    "0000-0000-0000-0000-0000-1": ("follow_up.receipt_check", {}),
    "x" * 50: ("follow_up.receipt_length", {"count": "50"}),
}


async def attempts_counted(services: Services) -> int:
    async with services.sessions() as db:
        return int(await db.scalar(select(func.coalesce(func.sum(AttemptRow.count), 0))) or 0)


async def test_five_hundred_strangers_lock_nobody_else_out(services: Services) -> None:
    """The old deployment-wide counter locked every reporter out after 500 failures."""
    sent = await submit_signal(services)
    follow_up = services.signals.follow_up
    for stranger in range(520):
        with pytest.raises(ReceiptNotFound):
            await follow_up.read(UNKNOWN_RECEIPT, f"stranger-{stranger}")
    thread = all_text(await read_thread(reporter(services), sent.receipt))
    assert t("follow_up.status_open") in thread


async def test_malformed_codes_are_refused_before_any_counting(services: Services) -> None:
    sent = await submit_signal(services)
    person = reporter(services)
    for _ in range(2 * PER_CONVERSATION):
        for code, (key, values) in MALFORMED.items():
            replies = await read_thread(person, code)
            assert all_text(replies) == t(key, **values)
    assert await attempts_counted(services) == 0
    assert t("follow_up.status_open") in all_text(await read_thread(person, sent.receipt))


async def test_an_own_signal_read_again_and_again_never_counts_as_a_guess(
    services: Services,
) -> None:
    sent = await submit_signal(services)
    for _ in range(PER_CONVERSATION + 3):
        assert t("follow_up.status_open") in all_text(await read_thread(sent.person, sent.receipt))
    assert await attempts_counted(services) == 0


async def test_concurrent_wrong_receipts_are_counted_before_they_are_evaluated(
    build_on: Build,
) -> None:
    """25 at once from one conversation: 5 are looked up, 20 refused; never an error."""
    services = await build_on()
    await submit_signal(services)
    follow_up = services.signals.follow_up
    outcomes = await asyncio.gather(
        *(follow_up.read(UNKNOWN_RECEIPT, "one-conversation") for _ in range(25)),
        return_exceptions=True,
    )
    kinds = sorted(type(outcome).__name__ for outcome in outcomes)
    assert kinds == ["RateLimited"] * 20 + ["ReceiptNotFound"] * PER_CONVERSATION
    assert await attempts_counted(services) > PER_CONVERSATION


async def test_opens_are_limited_per_signal_whoever_asks(services_with_limits: Services) -> None:
    services = services_with_limits
    sent, other = await submit_signal(services), await submit_signal(services)
    for _ in range(3):
        assert t("follow_up.status_open") in all_text(
            await read_thread(reporter(services), sent.receipt)
        )
    before = await count(services, "signal_messages")
    refused = await read_thread(reporter(services), sent.receipt)
    assert all_text(refused) == t("follow_up.opened_often")
    assert await count(services, "signal_messages") == before
    assert t("follow_up.status_open") in all_text(await read_thread(other.person, other.receipt))


async def test_concurrent_opens_of_one_signal_stop_at_the_limit(build_on: Build) -> None:
    services = await build_on(receipt_opens_per_signal=4, kdf_queue=64)
    sent = await submit_signal(services)
    follow_up = services.signals.follow_up
    outcomes = await asyncio.gather(
        *(follow_up.read(sent.receipt, f"reader-{n}") for n in range(12)),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, RateLimited)]
    assert len(refused) == 8 and all(o.code == "opened_often" for o in refused)
    assert sum(1 for o in outcomes if not isinstance(o, BaseException)) == 4


@pytest.fixture
async def services_with_limits(build_on: Build) -> Services:
    return await build_on(receipt_opens_per_signal=3)


async def test_a_wrong_receipt_needs_no_kdf_a_right_one_waits_for_the_pool(
    build_on: Build,
) -> None:
    """With every KDF slot taken, a wrong receipt is still answered; a right one is 'busy'."""
    services = await build_on(kdf_workers=1, kdf_queue=0)
    sent = await submit_signal(services)
    gate = threading.Event()
    holder = asyncio.create_task(services.signals.kdf_pool.run(gate.wait))
    while services.signals.kdf_pool.admitted == 0:
        await asyncio.sleep(0)
    try:
        wrong = await read_thread(reporter(services), UNKNOWN_RECEIPT)
        assert all_text(wrong) == t("follow_up.not_found")
        busy = await read_thread(sent.person, sent.receipt)
        assert all_text(busy) == t("follow_up.busy")
        late = await submit_signal(services, person=reporter(services))
        assert all_text(late.replies) == t("signal.busy")
    finally:
        gate.set()
        await holder
    assert t("follow_up.status_open") in all_text(await read_thread(sent.person, sent.receipt))


async def test_a_burst_of_new_signals_is_told_to_wait_and_follow_up_still_works(
    build_on: Build,
) -> None:
    services = await build_on(signals_per_minute=0.001, signals_burst=2)
    first = await submit_signal(services)
    await submit_signal(services)
    before = await count(services, "signals")
    late = await submit_signal(services, what="Canary-Text-late")
    assert all_text(late.replies) == t("signal.busy")
    assert await count(services, "signals") == before
    again = await late.person.submit(
        "signal:intake", what="Canary-Text-late", role="target", kinds="racism"
    )
    assert all_text(again) == t("signal.busy"), "still at the form: the same form may be resent"
    assert t("follow_up.status_open") in all_text(await read_thread(first.person, first.receipt))


async def test_a_loop_past_the_limit_costs_no_more_writes(build_on: Build) -> None:
    services = await build_on(receipt_opens_per_signal=2)
    sent = await submit_signal(services)
    follow_up = services.signals.follow_up
    for n in range(2):
        await follow_up.read(sent.receipt, f"reader-{n}")
    refused = []
    for n in range(5):
        with pytest.raises(RateLimited) as limited:
            await follow_up.read(sent.receipt, f"looper-{n}")
        refused.append(limited.value.code)
    assert refused == ["opened_often"] * 5
    async with services.sessions() as db:
        opens = await db.scalar(select(func.sum(SignalOpenRow.count)))
    assert opens == 3, "counted up to the first refusal, then refused from memory"
