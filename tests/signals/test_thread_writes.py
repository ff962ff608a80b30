"""Many writers on one thread at once: every message lands, numbered 1…n without a gap."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.signals.models import MessageRow
from tests.signals.conftest import DEMO_PASSPHRASE, Build, submit_signal, the_demo_adviser_id

ADDITIONS = 24
REPLIES = 8


async def test_concurrent_additions_and_replies_all_land_in_order(build_on: Build) -> None:
    services = await build_on(receipt_opens_per_signal=1000, kdf_queue=100)
    sent = await submit_signal(services)
    signals = services.signals
    adviser = await the_demo_adviser_id(services)
    binding = "test\x1fadviser-conversation"
    opened = await signals.sessions.unlock(adviser, DEMO_PASSPHRASE, binding)
    who = await signals.sessions.resume(opened.reference, binding)
    (signal_id,) = [item.id for item in await signals.desk.inbox(who)]
    additions = [
        signals.follow_up.add(sent.receipt, f"tab-{n}", f"Canary-Addition-{n}")
        for n in range(ADDITIONS)
    ]
    replies = [signals.desk.reply(who, signal_id, f"Canary-Reply-{n}") for n in range(REPLIES)]
    outcomes = await asyncio.gather(*additions, *replies, return_exceptions=True)
    assert [o for o in outcomes if o is not None] == []
    async with services.sessions() as db:
        sequences = sorted((await db.scalars(select(MessageRow.sequence))).all())
    assert sequences == list(range(ADDITIONS + REPLIES + 1))
    view = await signals.follow_up.read(sent.receipt, "reader")
    texts = {entry.message.text for entry in view.thread}
    assert texts == {f"Canary-Addition-{n}" for n in range(ADDITIONS)} | {
        f"Canary-Reply-{n}" for n in range(REPLIES)
    }
    assert [entry.sequence for entry in view.thread] == list(range(1, ADDITIONS + REPLIES + 1))
