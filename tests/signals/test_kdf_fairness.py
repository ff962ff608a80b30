"""A stranger's flood of re-reads of their own signals never keeps a reporter from theirs."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.app import Services
from bot.errors import ServerBusy
from bot.signals.models import AttemptRow, SignalOpenRow
from tests.signals.conftest import Build, all_text, read_thread, submit_signal, t


async def total(services: Services, table: type[AttemptRow] | type[SignalOpenRow]) -> int:
    async with services.sessions() as db:
        return int(await db.scalar(select(func.coalesce(func.sum(table.count), 0))) or 0)


async def admitted(services: Services, count: int) -> None:
    while services.signals.kdf_pool.admitted < count:
        await asyncio.sleep(0)


class HeldPool:
    """Every KDF slot taken by work that waits until the test lets it go."""

    def __init__(self, services: Services) -> None:
        self.services, self.gate = services, threading.Event()

    async def __aenter__(self) -> HeldPool:
        self.holder = asyncio.create_task(self.services.signals.kdf_pool.run(self.gate.wait))
        await admitted(self.services, 1)
        return self

    async def __aexit__(self, *_: object) -> None:
        self.gate.set()
        await self.holder


@pytest.fixture
async def held(build_on: Build) -> AsyncIterator[Services]:
    yield await build_on(receipt_opens_per_signal=2, kdf_workers=1, kdf_queue=0)


async def test_a_busy_refusal_does_not_use_up_the_signals_opens(held: Services) -> None:
    services = held
    sent = await submit_signal(services)
    async with HeldPool(services):
        for _ in range(3):
            busy = await read_thread(sent.person, sent.receipt)
            assert all_text(busy) == t("follow_up.busy")
    assert await total(services, SignalOpenRow) == 0
    assert await total(services, AttemptRow) == 0, "nothing else counted either"
    for _ in range(2):  # the signal's two opens an hour are still there
        opened = await read_thread(sent.person, sent.receipt)
        assert t("follow_up.status_open") in all_text(opened)
    assert await total(services, SignalOpenRow) == 2


async def test_a_strangers_waiting_rereads_make_room_for_a_reporters_read(
    build_on: Build,
) -> None:
    services = await build_on(receipt_opens_per_signal=100, kdf_workers=1, kdf_queue=2)
    own, theirs = await submit_signal(services), await submit_signal(services)
    follow_up = services.signals.follow_up
    for _ in range(3):  # the stranger has been re-reading their own signal
        await follow_up.read(own.receipt, "stranger")
    async with HeldPool(services):
        flood = [asyncio.create_task(follow_up.read(own.receipt, "stranger")) for _ in range(2)]
        await admitted(services, 3)  # the queue is full of the stranger's re-reads
        reporter = asyncio.create_task(follow_up.read(theirs.receipt, "reporter"))
        # Someone is answered while the pool is still held: the evicted re-read (or, before
        # the queue was fair, the reporter refused as busy).
        await asyncio.wait([*flood, reporter], return_when=asyncio.FIRST_COMPLETED)
    view = await reporter
    assert view.status == "open"
    outcomes = await asyncio.gather(*flood, return_exceptions=True)
    assert [type(o).__name__ for o in outcomes].count("ServerBusy") == 1
    assert all(not isinstance(o, BaseException) or isinstance(o, ServerBusy) for o in outcomes)
    assert await total(services, SignalOpenRow) == 3 + 1 + 1, "the refused re-read refunded"
