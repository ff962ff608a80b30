"""Fixtures for the Mattermost channel: the fake server, plain and with TLS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from .clients import Integration
from .fake_server import FakeMattermost


@pytest.fixture
async def fake_mattermost() -> AsyncIterator[FakeMattermost]:
    async with FakeMattermost() as fake:
        yield fake


@pytest.fixture
async def fake_mattermost_tls(tmp_path: Path) -> AsyncIterator[FakeMattermost]:
    """The fake on https://127.0.0.1 with a certificate from a CA made here (``ca_file``)."""
    async with FakeMattermost(tls=True, tmp_path=tmp_path) as fake:
        yield fake


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def integration(fake_mattermost: FakeMattermost) -> AsyncIterator[tuple[Integration, str]]:
    found = Integration(fake_mattermost)
    server = TestServer(found.app(), host="127.0.0.1", port=0)
    await server.start_server()
    yield found, str(server.make_url("")).rstrip("/")
    await server.close()
