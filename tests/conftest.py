"""Shared fixtures: a network guard, settings on a temp folder, the real knowledge base."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from bot.app import Services, build_services, prepare_database
from bot.settings import Settings
from knowledge.base import KnowledgeBase

# Property tests check what happens, never how fast: Hypothesis's default 200 ms deadline per
# example fails them on a loaded machine (the suite runs in parallel with other work).
hypothesis_settings.register_profile("meldwijzer", deadline=None)
hypothesis_settings.load_profile("meldwijzer")

# Cheap Argon2id for tests only; a test asserts the production defaults meet OWASP.
TEST_KDF = {"kdf_memory_kib": 64, "kdf_iterations": 1}


def _is_loopback(address: Any) -> bool:
    if isinstance(address, (str, bytes)):
        return True  # a Unix socket path
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def refuse_outside_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any connection to a host other than loopback fails the test loudly."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded(sock: socket.socket, address: Any) -> Any:
        if not _is_loopback(address):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(sock, address)

    def guarded_ex(sock: socket.socket, address: Any) -> Any:
        if not _is_loopback(address):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)
    yield


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", **TEST_KDF)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    """The real services on a fresh SQLite file, schema upgraded, demo adviser seeded."""
    built = build_services(settings)
    await prepare_database(built, seed_demo=True)
    yield built
    await built.close()
