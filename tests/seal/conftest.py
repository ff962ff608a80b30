from __future__ import annotations

import secrets

import pytest

from bot.seal.index import ReceiptIndex
from bot.seal.kdf import TESTING


@pytest.fixture
def server_secret() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture
def index(server_secret: bytes) -> ReceiptIndex:
    return ReceiptIndex(server_secret, TESTING)
