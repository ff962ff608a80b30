"""One hostile person writing thousands of messages must not hold up everyone else.

The listener's waiting room is shared by every channel; when one channel could fill it, the
websocket's handler waits for that person's turns, one by one, before anyone else's message
is even read. Each channel gets a bounded share; what a channel sends beyond it is skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from adapters.mattermost.driver_rest import DriverApi
from adapters.mattermost.listener import MattermostListener
from adapters.mattermost.once import OnceStore
from adapters.mattermost.signing import CallbackSigner
from adapters.mattermost.turn import MattermostTurn
from adapters.mattermost.turns import ChannelTurns
from bot.app import build_services, prepare_database, secret_of
from bot.core import Incoming, Reply
from bot.settings import Settings
from tests.conftest import TEST_KDF

from .callback_app import FAST
from .fake_server import FakeMattermost
from .running_app import eventually

# A bound against a hang of the test itself, never a timing claim.
HANG_SECONDS = 10.0


async def test_a_flooding_channel_cannot_take_every_waiting_place() -> None:
    turns = ChannelTurns(at_once=2, waiting=8, per_channel=3)
    flood_may_finish = asyncio.Event()
    done: list[str] = []

    async def stuck() -> None:
        await flood_may_finish.wait()
        done.append("flood")

    async def other() -> None:
        done.append("other")

    async def flood_then_someone_else() -> None:
        for _ in range(100):
            await turns.submit("flooder", stuck)
        await turns.submit("someone-else", other)

    await asyncio.wait_for(flood_then_someone_else(), HANG_SECONDS)
    while "other" not in done:
        await asyncio.sleep(0)
    assert done == ["other"]
    flood_may_finish.set()
    await turns.wait_idle()
    assert done.count("flood") == 3  # the channel's share ran, in order; the rest was skipped


async def test_skipped_turns_are_counted_in_one_line_without_the_channel(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    turns = ChannelTurns(at_once=1, waiting=8, per_channel=1)
    release = asyncio.Event()
    channel = "x4ob8ymn1pgx7ju3o7e1wdsnhr"
    await turns.submit(channel, release.wait)
    assert await turns.submit(channel, release.wait) is False
    release.set()
    await turns.wait_idle()
    assert [r.getMessage() for r in caplog.records] == [
        "mattermost message skipped: too many waiting in one channel"
    ]
    assert channel not in caplog.text


class HeldCore:
    """The core's far side, slow: every turn waits until the test lets it go."""

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def handle(self, incoming: Incoming) -> Sequence[Reply]:
        await self.release.wait()
        return []


async def test_one_person_flooding_mentions_in_a_channel_does_not_silence_the_others(
    fake_mattermost: FakeMattermost, tmp_path: Path
) -> None:
    fake = fake_mattermost
    events: list[dict[str, Any]] = []
    deliver = fake.workspace.broadcast

    async def recorded(event: dict[str, Any], members: list[str]) -> None:
        events.append(event)
        await deliver(event, members)

    fake.workspace.broadcast = recorded
    eve, anna = fake.add_user("eve", locale="en"), fake.add_user("anna", locale="en")
    town = fake.channel("town", [eve, anna, fake.bot])
    for _ in range(20):
        await fake.user_posts(eve, "@meldwijzer hello?", channel_id=town)
    await fake.user_posts(anna, "@meldwijzer I need help", channel_id=town)

    settings = Settings(data_dir=tmp_path / "data", **TEST_KDF)  # type: ignore[arg-type]
    services = build_services(settings)
    await prepare_database(services, seed_demo=False)
    secret = secret_of(settings)
    api = DriverApi(fake.url, fake.bot.token, ca_file=None, retry=FAST)
    core = HeldCore()
    turn = MattermostTurn(core, api, CallbackSigner(secret), actions_url="http://127.0.0.1:9/a")
    listener = MattermostListener(
        turn,
        api,
        await api.me(),
        claims=OnceStore(services.sessions, secret),
        turns=ChannelTurns(at_once=4, waiting=64, per_channel=2),
    )
    try:
        for event in [e for e in events if e["event"] == "posted"]:
            await asyncio.wait_for(listener.on_event(event), HANG_SECONDS)
        await eventually(
            lambda: any(e.user_id == anna.id for e in fake.ephemerals),
            "anna was pointed to a direct message",
        )
        assert 1 <= sum(e.user_id == eve.id for e in fake.ephemerals) <= 2  # her share only
    finally:
        core.release.set()
        await listener.close()
        await api.close()
        await services.close()
