"""A reporter on the far side of the web chat HTTP API: leaves signals, reads them back.

Exactly what the page does (adapters/webchat/static): start a conversation, press the
buttons, send the forms. A signal counts as acknowledged only when the reply carrying its
receipt has arrived, as for a person who sees the receipt on screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import aiohttp

RECEIPT = re.compile(r"\*\*([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4}-[0-9A-Z])\*\*")
WITNESS = "witness"


class NoReceipt(Exception):
    """The server answered, but with no receipt (busy, or an error reply)."""


@dataclass(frozen=True, slots=True)
class Acknowledged:
    marker: str  # the unique text of the signal, to find it again
    receipt: str


class WebchatReporter:
    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self._session = session
        self._base = base_url

    async def start(self) -> str:
        async with self._session.post(
            f"{self._base}/api/webchat/conversations", json={"locale": "nl"}
        ) as response:
            assert response.status == 201, response.status
            token: str = (await response.json())["conversation"]
            return token

    async def say(self, token: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        path = f"{self._base}/api/webchat/conversations/{token}/messages"
        async with self._session.post(path, json=body) as response:
            assert response.status == 200, response.status
            replies: list[dict[str, Any]] = (await response.json())["replies"]
            return replies

    async def open_intake(self) -> str:
        """A new conversation, up to the anonymous intake form; returns its token."""
        token = await self.start()
        await self.say(token, {"action": "topic:signal"})
        replies = await self.say(token, {"action": "signal:mode:anonymous"})
        forms = [r["form"]["id"] for r in replies if r["form"]]
        assert forms == ["signal:intake:anonymous"], forms
        return token

    async def submit(self, token: str, marker: str) -> Acknowledged:
        """Send the intake form; the receipt must be in a sensitive reply."""
        body = {"form": "signal:intake", "data": {"what": marker, "role": WITNESS}}
        replies = await self.say(token, body)
        for reply in replies:
            found = RECEIPT.search(reply["text"]) if reply["sensitive"] else None
            if found:
                return Acknowledged(marker, found.group(1))
        raise NoReceipt(" | ".join(r["text"][:80] for r in replies))

    async def read_back(self, token: str, receipt: str) -> str:
        """The follow-up read with the receipt; returns all reply text."""
        await self.say(token, {"action": "topic:follow-up"})
        replies = await self.say(token, {"form": "follow-up:read", "data": {"code": receipt}})
        return "\n".join(r["text"] for r in replies)
