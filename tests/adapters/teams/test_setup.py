"""setup_teams refuses unsafe setups and says loudly when authentication is off."""

from __future__ import annotations

import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.teams import setup_teams
from bot.errors import ConfigError

from .conftest import EchoHandler, make_settings


def test_production_refuses_teams_without_app_id(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    settings = make_settings(env="production", teams_app_id="", teams_app_password="")
    with pytest.raises(ConfigError, match="MELDWIJZER_TEAMS_APP_ID"):
        setup_teams(web.Application(), EchoHandler(), settings, sessions)


def test_app_id_without_password_is_refused(sessions: async_sessionmaker[AsyncSession]) -> None:
    with pytest.raises(ConfigError, match="MELDWIJZER_TEAMS_APP_PASSWORD"):
        setup_teams(
            web.Application(), EchoHandler(), make_settings(teams_app_password=""), sessions
        )


async def test_auth_off_is_announced_at_start(
    sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    app = web.Application()
    setup_teams(app, EchoHandler(), make_settings(teams_app_id="", teams_app_password=""), sessions)
    with caplog.at_level(logging.WARNING):
        client = TestClient(TestServer(app, host="127.0.0.1", port=0))
        await client.start_server()
        await client.close()
    [record] = [r for r in caplog.records if "AUTHENTICATION IS OFF" in r.getMessage()]
    assert record.levelno == logging.WARNING


def test_secrets_stay_out_of_reprs(sessions: async_sessionmaker[AsyncSession]) -> None:
    channel = setup_teams(web.Application(), EchoHandler(), make_settings(), sessions)
    assert "s3cret" not in repr(channel)
