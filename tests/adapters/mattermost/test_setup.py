"""``create_app`` with and without Mattermost: routes, notice channel, health, startup check."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import NOTICE_CHANNELS, create_app, enabled_channels
from bot.outbox.port import MATTERMOST
from bot.settings import Settings
from tests.conftest import TEST_KDF

from .fake_server import FakeMattermost
from .running_app import (
    app_of,
    connected,
    eventually_async,
    health,
    mattermost_settings,
    running_app,
)

PATHS = ("/api/mattermost/actions", "/api/mattermost/dialogs", "/api/mattermost/command")


async def test_without_mattermost_settings_nothing_of_it_is_mounted(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", teams_enabled=False, **TEST_KDF)  # type: ignore[arg-type]
    app = create_app(settings)
    assert MATTERMOST not in enabled_channels(settings)
    assert MATTERMOST not in [c.name for c in app[NOTICE_CHANNELS]]
    async with TestClient(TestServer(app)) as client:
        for path in PATHS:
            assert (await client.post(path, json={})).status == 404
        assert await (await client.get("/healthz")).json() == {
            "status": "ok",
            "database": "up",
            "channels": {"webchat": "up"},
        }


async def test_with_url_and_token_the_channel_is_mounted_and_sends_notices(
    fake_mattermost: FakeMattermost, tmp_path: Path
) -> None:
    settings = mattermost_settings(fake_mattermost, tmp_path / "data", 0)
    assert MATTERMOST in enabled_channels(settings)
    async with running_app(fake_mattermost, tmp_path / "data") as client:
        app = app_of(client)
        assert MATTERMOST in [c.name for c in app[NOTICE_CHANNELS]]
        for path in PATHS:
            assert (await client.post(path, json={})).status != 404
        await connected(client)
        me = [r for r in fake_mattermost.requests if r.path == "/api/v4/users/me"]
        assert len(me) == 1  # the startup check, once


async def test_the_slash_command_needs_its_token(
    fake_mattermost: FakeMattermost, tmp_path: Path
) -> None:
    async with running_app(
        fake_mattermost, tmp_path / "data", mattermost_command_token=None
    ) as client:
        assert (await client.post("/api/mattermost/command", data={})).status == 404
        assert (await client.post("/api/mattermost/actions", json={})).status != 404


async def test_half_a_setup_in_development_is_off_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        teams_enabled=False,
        mattermost_url="http://127.0.0.1:9",
        **TEST_KDF,  # type: ignore[arg-type]
    )
    with caplog.at_level(logging.WARNING):
        app = create_app(settings)
    assert MATTERMOST not in [c.name for c in app[NOTICE_CHANNELS]]
    assert "MELDWIJZER_MATTERMOST_TOKEN" in caplog.text


async def test_a_server_down_at_startup_is_tried_again_until_it_answers(
    fake_mattermost: FakeMattermost, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Each ``users/me`` call tries 4 times (RestRetry): the first two calls fail.
    fake_mattermost.fail_next("GET", r"/api/v4/users/me", 503, times=8)
    with caplog.at_level(logging.WARNING):
        async with running_app(fake_mattermost, tmp_path / "data") as client:
            await connected(client)
    assert caplog.text.count("mattermost server not reachable (HTTP 503)") == 2
    assert fake_mattermost.bot.token not in caplog.text


async def test_a_certificate_we_cannot_check_is_said_once_and_the_app_keeps_serving(
    fake_mattermost_tls: FakeMattermost, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The server's certificate comes from a private CA that nobody gave us.
    with caplog.at_level(logging.WARNING):
        async with running_app(
            fake_mattermost_tls, tmp_path / "data", mattermost_ca_file=None
        ) as client:

            async def refused() -> bool:
                return bool((await health(client))["mattermost"]["socket"] == "refused")

            await eventually_async(refused, "the channel reported refused")
            started = await client.post("/api/webchat/conversations", json={"locale": "nl"})
            assert started.status == 201
    failures = [r for r in caplog.records if "startup check failed" in r.getMessage()]
    assert len(failures) == 1 and "tls" in failures[0].getMessage()
    assert fake_mattermost_tls.sockets_open == 0
