"""The fake on TLS: verified with the CA made in the test, refused without it."""

from __future__ import annotations

import ssl

import aiohttp
import pytest

from .clients import bearer, receive
from .fake_server import FakeMattermost

# -- TLS -------------------------------------------------------------------------------


async def test_tls_verified_with_the_test_ca(fake_mattermost_tls: FakeMattermost) -> None:
    assert fake_mattermost_tls.url.startswith("https://127.0.0.1:")
    assert fake_mattermost_tls.ca_file is not None
    context = ssl.create_default_context(cafile=str(fake_mattermost_tls.ca_file))
    async with aiohttp.ClientSession() as session:
        async with session.get(
            fake_mattermost_tls.url + "/api/v4/users/me",
            headers=bearer(fake_mattermost_tls.bot.token),
            ssl=context,
        ) as response:
            assert response.status == 200
        wss = fake_mattermost_tls.url.replace("https", "wss", 1) + "/api/v4/websocket"
        async with session.ws_connect(
            wss, headers=bearer(fake_mattermost_tls.bot.token), ssl=context
        ) as ws:
            assert (await receive(ws))["event"] == "hello"


async def test_tls_refused_without_the_test_ca(fake_mattermost_tls: FakeMattermost) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await session.get(fake_mattermost_tls.url + "/api/v4/users/me")
