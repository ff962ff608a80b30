"""Through the real web chat API on a real SQLite database: a receipt typed in the message
box is hidden on the page, and nothing of it is stored or logged."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import text

from bot.app import SERVICES
from bot.settings import Settings
from dialogs.messages import Messages
from tests.adapters.webchat.conftest import messages_path, start
from tests.conftest import TEST_KDF
from tests.metrics.conftest import quiet_notice_day

Client = TestClient[Any, web.Application]
T = Messages.load()
RECEIPT = "7F60-GJRX-1EJS-Y89K-FZ36-J"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """No notices due today: the running app's digest tick would otherwise write the day's
    digest between the digest hour and midnight, a row the comparison below would see."""
    return Settings(data_dir=tmp_path / "data", notice_days=quiet_notice_day(), **TEST_KDF)  # type: ignore[arg-type]


async def say(client: Client, token: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = await client.post(messages_path(token), json=body)
    assert response.status == 200, await response.text()
    replies: list[dict[str, Any]] = (await response.json())["replies"]
    return replies


async def every_row(client: Client) -> str:
    """Every row of every table but the turn counts, as text.

    Every turn counts in ``rate_windows`` (a keyed hash and two numbers, nothing typed).
    """
    app: web.Application = client.server.app  # type: ignore[assignment]
    async with app[SERVICES].sessions() as db:
        query = text(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'rate_windows' "
            "ORDER BY name"
        )
        names = [row[0] for row in (await db.execute(query)).all()]
        rows = [(await db.execute(text(f'SELECT * FROM "{name}"'))).all() for name in names]
    return repr(rows)


def symbols(value: str) -> str:
    return "".join(char for char in value.upper() if char.isalnum())


@pytest.mark.parametrize(
    ("opening", "typed"),
    [
        (None, RECEIPT),
        (None, f"mijn ontvangstcode is {RECEIPT.replace('-', '').lower()}"),
        ("topic:follow-up", RECEIPT.replace("-", " ")),
    ],
)
async def test_a_typed_receipt_is_concealed_and_never_stored_or_logged(
    real_client: Client, caplog: pytest.LogCaptureFixture, opening: str | None, typed: str
) -> None:
    caplog.set_level(logging.DEBUG)
    token = await start(real_client)
    if opening:
        await say(real_client, token, {"action": opening})
    before = await every_row(real_client)
    [reply] = await say(real_client, token, {"text": typed})
    assert reply["conceal_input"] is True
    assert reply["text"] == T.text("nl", "follow_up.typed_receipt")
    assert [b["action"] for b in reply["buttons"]] == ["topic:follow-up", "menu:show"]
    rows = await every_row(real_client)
    assert rows == before, "the conversation is not even saved again"
    for shape in (RECEIPT, symbols(RECEIPT), RECEIPT.lower(), symbols(RECEIPT).lower()):
        assert shape not in rows and shape not in caplog.text
    assert symbols(RECEIPT) not in symbols(caplog.text)


async def test_other_replies_do_not_conceal(real_client: Client) -> None:
    token = await start(real_client)
    replies = await say(real_client, token, {"text": "Wat kan ik doen bij pesten?"})
    assert replies and all(reply["conceal_input"] is False for reply in replies)
