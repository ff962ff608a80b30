"""The callback endpoints around the real core, talking REST to the fake Mattermost server."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from adapters.mattermost.callbacks import (
    ACTIONS_PATH,
    DIALOGS_PATH,
    MattermostCallbacks,
    add_callback_routes,
)
from adapters.mattermost.command import SlashCommand, add_command_route
from adapters.mattermost.driver_rest import DriverApi
from adapters.mattermost.once import OnceRow, OnceStore
from adapters.mattermost.rest_retry import RestRetry
from adapters.mattermost.signing import CallbackSigner
from adapters.mattermost.turn import MattermostTurn, TurnHandler
from bot.app import Services, build_services, prepare_database, secret_of
from bot.core import Channel, Incoming, Kind
from bot.settings import Settings
from tests.conftest import TEST_KDF

from .fake_model import FakeUser, actions_of
from .fake_server import FakeMattermost

Client = TestClient[web.Request, web.Application]
FAST = RestRetry(attempts=2, base_delay=0.001, max_delay=0.01, timeout=5.0)


class Clock:
    """The signer's time, moved by the test (expiry without waiting)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        import time

        return time.time() + self.offset


@dataclass
class Bot:
    fake: FakeMattermost
    client: Client
    services: Services
    callbacks: MattermostCallbacks
    command: SlashCommand
    turn: MattermostTurn
    clock: Clock
    base: str
    users: dict[str, FakeUser] = field(default_factory=dict)

    def dm(self, user: FakeUser) -> str:
        return self.fake.direct_channel_id(user)

    def bot_posts(self, user: FakeUser) -> list[dict[str, Any]]:
        return [p for p in self.fake.posts_in(self.dm(user)) if p["user_id"] == self.fake.bot.id]

    async def welcome(self, user: FakeUser) -> list[dict[str, Any]]:
        before = len(self.bot_posts(user))
        await self.turn.run(
            Incoming(Channel.MATTERMOST, self.dm(user), Kind.START, sender=user.id, locale="en")
        )
        return self.bot_posts(user)[before:]

    async def press(
        self, user: FakeUser, post: dict[str, Any], button: int | str = 0
    ) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
        """A click through the fake server; returns the answer and the bot's new posts."""
        before = len(self.bot_posts(user))
        if isinstance(button, str):
            button = action_index(self.fake.posts[post["id"]], button)
        status, answer = await self.fake.click(user, post, button)
        return status, answer, self.bot_posts(user)[before:]

    async def once_rows(self) -> int:
        async with self.services.sessions() as db:
            return int((await db.execute(select(func.count()).select_from(OnceRow))).scalar_one())


def grant_of(action: dict[str, Any]) -> dict[str, Any]:
    """The signed grant a button carries (the part before the tag is plain base64url JSON)."""
    payload = action["integration"]["context"]["t"].split(".")[0]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def action_index(post: dict[str, Any], value: str) -> int:
    """The index of the button whose grant does ``value`` (a core action like "topic:signal")."""
    values = [grant_of(action)["v"] for action in actions_of(post)]
    return values.index(value)


def action_values(posts: Sequence[dict[str, Any]]) -> list[str]:
    return [str(grant_of(action)["v"]) for post in posts for action in actions_of(post)]


def press_payload(
    fake: FakeMattermost, user: FakeUser, post: dict[str, Any], button: int | str = 0
) -> dict[str, Any]:
    """What the server would POST for a press (for replays and races the UI cannot make)."""
    stored = fake.posts[post["id"]]
    actions = actions_of(stored)
    action = actions[button if isinstance(button, int) else action_index(stored, button)]
    return {
        "user_id": user.id,
        "user_name": user.username,
        "channel_id": stored["channel_id"],
        "channel_name": "",
        "team_id": "",
        "team_domain": "",
        "post_id": stored["id"],
        "trigger_id": "",
        "type": "button",
        "context": json.loads(json.dumps(action["integration"]["context"])),
    }


def button_names(posts: Sequence[dict[str, Any]]) -> list[str]:
    return [str(a.get("name")) for post in posts for a in actions_of(post)]


def texts(posts: Sequence[dict[str, Any]]) -> str:
    return "\n".join(str(p.get("message", "")) for p in posts)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_bot(
    tmp_path: Path, handler: TurnHandler | None = None, *, max_pending: int = 32
) -> AsyncIterator[Bot]:
    fake = FakeMattermost()
    await fake.start()
    settings = Settings(data_dir=tmp_path / "data", **TEST_KDF)  # type: ignore[arg-type]
    services = build_services(settings)
    await prepare_database(services, seed_demo=True)
    secret = secret_of(settings)
    api = DriverApi(fake.url, fake.bot.token, ca_file=None, retry=FAST)
    clock = Clock()
    signer = CallbackSigner(secret, clock=clock)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    turn = MattermostTurn(
        handler or services.conversations, api, signer, actions_url=base + ACTIONS_PATH
    )
    callbacks = MattermostCallbacks(
        turn, api, signer, OnceStore(services.sessions, secret), dialogs_url=base + DIALOGS_PATH
    )
    command = SlashCommand(turn, api, fake.command_token, max_pending=max_pending)
    app = web.Application()
    add_callback_routes(app, callbacks)
    add_command_route(app, command)
    client: Client = TestClient(TestServer(app, host="127.0.0.1", port=port))
    await client.start_server()
    try:
        yield Bot(fake, client, services, callbacks, command, turn, clock, base)
    finally:
        await client.close()
        await api.close()
        await services.close()
        await fake.close()
        assert fake.shape_errors == []


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async for running in start_bot(tmp_path):
        yield running
