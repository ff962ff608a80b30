"""The flows the counters are tested with, through each real channel."""

from __future__ import annotations

import io
from typing import Any

from aiohttp.test_utils import TestClient

from adapters.console import ConsoleChannel
from bot.app import Services
from tests.signals.conftest import t
from tests.signals.test_canaries import RECEIPT_SHAPE, Terminal


async def post(client: TestClient[Any, Any], token: str, body: dict[str, Any]) -> list[Any]:
    response = await client.post(f"/api/webchat/conversations/{token}/messages", json=body)
    assert response.status == 200
    replies: list[Any] = (await response.json())["replies"]
    return replies


async def web_chat_signal(client: TestClient[Any, Any], what: str) -> str:
    """Options, then a signal, then reading it back, over the web chat's HTTP API."""
    started = await client.post("/api/webchat/conversations", json={"locale": "en"})
    assert started.status == 201
    token = (await started.json())["conversation"]
    await post(client, token, {"action": "topic:options"})
    await post(client, token, {"action": "topic:options"})
    await post(client, token, {"action": "topic:signal"})
    await post(client, token, {"action": "signal:mode:anonymous"})
    intake = {"what": what, "role": "witness", "kinds": ["racism", "bullying"]}
    replies = await post(client, token, {"form": "signal:intake", "data": intake})
    (shown,) = [r for r in replies if r["sensitive"]]
    receipt: str = shown["text"].split("**")[1]
    await post(client, token, {"action": "topic:follow-up"})
    read = await post(client, token, {"form": "follow-up:read", "data": {"code": receipt}})
    assert read[0]["buttons"], "the signal opened"
    return receipt


async def terminal_signal(services: Services, what: str, conversation: str) -> str:
    """A signal and an addition to it in the terminal, as a person types them."""
    screen = io.StringIO()
    fields = {
        t("signal.what"): what,
        t("signal.kinds"): "2",
        t("signal.role"): "1",
        t("signal.hope"): "",
        t("follow_up.code"): "<receipt>",
        t("follow_up.add_text"): f"{what} (more)",
    }
    # signal → anonymous → (form) → follow-up → (read form) → add → (add form) → quit
    keyboard = Terminal(screen, ["3", "1", "1", "1", "quit"], fields)
    channel = ConsoleChannel(
        services.conversations, keyboard, screen, locale="en", conversation=lambda: conversation
    )
    await channel.run()
    shown = screen.getvalue()
    assert t("follow_up.added") in shown, shown[-2000:]
    receipt: str = RECEIPT_SHAPE.findall(shown)[0]
    return receipt
