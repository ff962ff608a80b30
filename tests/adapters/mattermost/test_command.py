"""The slash command: token checked in constant time, answered at once, welcome in the DM."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.mattermost.callbacks import ACTIONS_PATH, DIALOGS_PATH
from adapters.mattermost.command import ANSWERS, COMMAND_PATH
from adapters.mattermost.mounting import mount_callbacks
from adapters.mattermost.once import OnceStore
from adapters.mattermost.request_body import MAX_BODY_BYTES
from adapters.mattermost.signing import CallbackSigner
from bot.core import Incoming, Kind, Reply
from bot.settings import Settings
from tests.conftest import TEST_KDF

from .callback_app import Bot, bot, button_names, start_bot
from .fake_model import new_id

__all__ = ["bot"]  # the fixture, imported for pytest


async def test_the_command_answers_ephemerally_and_welcomes_in_the_dm(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    user = bot.fake.add_user("joost", locale="en")
    with caplog.at_level(logging.DEBUG):
        status, answer = await bot.fake.slash(user, "hallo", url=bot.base + COMMAND_PATH)
        assert status == 200
        assert answer == {"response_type": "ephemeral", "text": ANSWERS["started"]}
        await bot.command.wait_idle()
    welcome = bot.bot_posts(user)
    assert welcome, "the welcome is in the direct message"
    assert button_names(welcome), "with the core's menu"
    town = [c for c in bot.fake.channels.values() if c.type == "O"]
    assert all(bot.fake.posts_in(c.id) == [] for c in town), "nothing where others read"
    logged = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith(("urllib3", "aiosqlite"))
    )
    assert user.id not in logged and bot.fake.command_token not in logged


@pytest.mark.parametrize("token", ["", "wrong-token", None])
async def test_a_wrong_or_missing_token_is_401_and_changes_nothing(
    bot: Bot, token: str | None
) -> None:
    user = bot.fake.add_user("karin")
    form = {"user_id": user.id, "channel_id": new_id(), "text": ""}
    if token is not None:
        form["token"] = token or ""
    response = await bot.client.post(COMMAND_PATH, data=form)
    assert response.status == 401
    assert set((await response.json())["error"]) == {"code", "message"}
    await bot.command.wait_idle()
    assert bot.fake.requests == [], "no REST call"
    assert bot.bot_posts(user) == []


async def test_the_token_in_the_authorization_header_is_accepted_too(bot: Bot) -> None:
    user = bot.fake.add_user("lotte")
    form = {"user_id": user.id, "channel_id": new_id()}
    headers = {"Authorization": f"Token {bot.fake.command_token}"}
    response = await bot.client.post(COMMAND_PATH, data=form, headers=headers)
    assert response.status == 200
    await bot.command.wait_idle()
    assert bot.bot_posts(user), "welcomed"
    wrong = {"Authorization": "Token not-it"}
    response = await bot.client.post(COMMAND_PATH, data=form, headers=wrong)
    assert response.status == 401


async def test_a_near_miss_token_is_refused_too(bot: Bot) -> None:
    user = bot.fake.add_user("lars")
    near = bot.fake.command_token[:-1] + ("0" if bot.fake.command_token[-1] != "0" else "1")
    status, _ = await bot.fake.slash(user, token=near, url=bot.base + COMMAND_PATH)
    assert status == 401
    assert bot.fake.requests == []


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"token": "x"}', "application/json", 415),
        (b"token=" + b"x" * MAX_BODY_BYTES, "application/x-www-form-urlencoded", 413),
        (b"token=\xff", "application/x-www-form-urlencoded", 400),
    ],
)
async def test_bad_bodies_are_refused(
    bot: Bot, body: bytes, content_type: str, status: int
) -> None:
    response = await bot.client.post(
        COMMAND_PATH, data=body, headers={"Content-Type": content_type}
    )
    assert response.status == status
    assert bot.fake.requests == []


async def test_a_right_token_without_a_user_is_400(bot: Bot) -> None:
    response = await bot.client.post(COMMAND_PATH, data={"token": bot.fake.command_token})
    assert response.status == 400
    assert bot.fake.requests == []


async def test_when_too_many_welcomes_are_pending_it_says_so_and_starts_none(
    tmp_path: Path,
) -> None:
    async for running in start_bot(tmp_path, max_pending=0):
        user = running.fake.add_user("mira")
        status, answer = await running.fake.slash(user, url=running.base + COMMAND_PATH)
        assert status == 200 and answer["text"] == ANSWERS["busy"]
        assert running.command.pending == 0
        assert running.fake.requests == []


class StalledCore:
    """A core that never answers (a stuck database): the welcome waits for ever."""

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def handle(self, incoming: Incoming) -> Sequence[Reply]:
        assert incoming.kind is Kind.START
        self.started.set()
        await asyncio.Event().wait()
        return []


async def test_close_cancels_welcomes_still_running(tmp_path: Path) -> None:
    core = StalledCore()
    async for running in start_bot(tmp_path, core):
        user = running.fake.add_user("niels")
        status, _ = await running.fake.slash(user, url=running.base + COMMAND_PATH)
        assert status == 200
        await core.started.wait()
        assert running.command.pending == 1
        await running.command.close(grace_seconds=0)
        assert running.command.pending == 0
        assert running.bot_posts(user) == []


def mounted_app(running: Bot, tmp_path: Path, **extra: object) -> web.Application:
    """The callbacks as ``setup_mattermost`` mounts them, with the given settings."""
    settings = Settings(
        data_dir=tmp_path / "data",
        mattermost_url=running.fake.url,
        mattermost_token=running.fake.bot.token,
        mattermost_callback_url=running.base,
        **TEST_KDF,  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )
    app = web.Application()
    mount_callbacks(
        app,
        running.services.conversations,
        settings,
        api=running.callbacks._api,
        once=OnceStore(running.services.sessions, b"s" * 32),
        signer=CallbackSigner(b"s" * 32),
    )
    return app


async def test_mounting_serves_the_command_only_when_its_token_is_set(tmp_path: Path) -> None:
    async for running in start_bot(tmp_path):
        paths: dict[bool, set[str]] = {}
        for with_token in (False, True):
            extra = {"mattermost_command_token": running.fake.command_token} if with_token else {}
            app = mounted_app(running, tmp_path, **extra)
            paths[with_token] = {
                r.resource.canonical for r in app.router.routes() if r.resource is not None
            }
        assert paths[False] == {ACTIONS_PATH, DIALOGS_PATH}
        assert paths[True] == {ACTIONS_PATH, DIALOGS_PATH, COMMAND_PATH}


async def test_each_teams_command_token_is_accepted_and_no_other(tmp_path: Path) -> None:
    # Every team's slash command gets a token of its own (Integrations > Slash Commands),
    # so one deployment serving two teams is configured with both, comma-separated.
    async for running in start_bot(tmp_path):
        tokens = f"otherteam{new_id()[:12]},{running.fake.command_token}"
        app = mounted_app(running, tmp_path, mattermost_command_token=tokens)
        client = TestClient(TestServer(app, host="127.0.0.1", port=0))
        await client.start_server()
        try:
            for token, status in (
                (tokens.split(",")[0], 200),
                (running.fake.command_token, 200),
                (tokens, 401),
                ("thirdteam" + new_id()[:12], 401),
            ):
                answer = await client.post(COMMAND_PATH, data={"token": token, "user_id": new_id()})
                assert answer.status == status, token
        finally:
            await client.close()
