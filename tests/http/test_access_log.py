"""The access log cannot tell a signal submission from any other turn, nor who sent it.

A submission spends tens of milliseconds in Argon2id; a duration on the line would mark it.
Chat routes are logged by route and status only; the page, its files and health keep a
duration. Served by the production runner on a real socket, with the real app.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.http.conftest import ServeApp, Served

CANARY = "Canary-Turn-61c0"
ACCESS = "aiohttp.access"
DURATION = re.compile(r"\d+(\.\d+)?ms")
ADDRESS = re.compile(r"\b127\.0\.0\.1\b|\b\d{1,3}(\.\d{1,3}){3}\b")


class Turns:
    """Posts turns and returns the access log lines each one produced."""

    def __init__(self, http: aiohttp.ClientSession, served: Served, caplog: Any) -> None:
        self.http, self.served, self.caplog = http, served, caplog

    async def post(self, path: str, body: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        before = len(self._access())
        async with self.http.post(self.served.url + path, json=body) as response:
            assert response.status in (200, 201), await response.text()
            answer: dict[str, Any] = await response.json()
        # The server writes the line just after the response left; wait for it, boundedly.
        for _ in range(200):
            if len(self._access()) > before:
                break
            await asyncio.sleep(0.005)
        return answer, self._access()[before:]

    def _access(self) -> list[str]:
        return [r.getMessage() for r in self.caplog.records if r.name == ACCESS]


async def test_a_submission_turn_logs_the_same_line_as_any_other_turn(
    served: Served, every_log: pytest.LogCaptureFixture
) -> None:
    async with aiohttp.ClientSession() as http:
        turns = Turns(http, served, every_log)
        started, start_lines = await turns.post("/api/webchat/conversations", {"locale": "en"})
        token = started["conversation"]
        path = f"/api/webchat/conversations/{token}/messages"
        other_lines: list[list[str]] = []
        for body in (
            {"text": f"{CANARY} what can I do about discrimination?"},
            {"action": "topic:signal"},
            {"action": "signal:mode:anonymous"},
        ):
            other_lines.append((await turns.post(path, body))[1])
        intake = {"what": f"{CANARY} it happened", "role": "target", "kinds": ["racism"]}
        replies, submission_lines = await turns.post(
            path, {"form": "signal:intake", "data": intake}
        )
        (shown,) = [r for r in replies["replies"] if r["sensitive"]]
        receipt = shown["text"].split("**")[1]
        other_lines.append((await turns.post(path, {"text": f"{CANARY} thanks"}))[1])

    assert all(lines == submission_lines for lines in other_lines), (
        other_lines,
        submission_lines,
    )
    assert submission_lines == ["POST /api/webchat/conversations/{token}/messages 200"]
    assert start_lines == ["POST /api/webchat/conversations 201"]
    everything = every_log.text + "\n".join(r.getMessage() for r in every_log.records)
    for secret in (token, receipt, receipt.replace("-", ""), CANARY):
        assert secret not in everything
    assert not ADDRESS.search("\n".join(r.getMessage() for r in every_log.records))


async def test_only_the_page_its_files_and_health_carry_a_duration(
    serve_app: ServeApp, every_log: pytest.LogCaptureFixture
) -> None:
    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    for path in ("/", "/static/{name}", "/healthz"):
        app.router.add_get(path, ok)
    for path in ("/api/messages", "/api/mattermost/actions", "/api/webchat/conversations"):
        app.router.add_post(path, ok)
    served = await serve_app(app)

    async with aiohttp.ClientSession() as http:
        for path in ("/", "/static/chat.js", "/healthz"):
            async with http.get(served.url + path) as response:
                assert response.status == 200
        for path in ("/api/messages", "/api/mattermost/actions", "/api/webchat/conversations"):
            async with http.post(served.url + path) as response:
                assert response.status == 200
    for _ in range(200):
        lines = [r.getMessage() for r in every_log.records if r.name == ACCESS]
        if len(lines) == 6:
            break
        await asyncio.sleep(0.005)

    timed = {line.split()[1] for line in lines if DURATION.search(line)}
    assert timed == {"/", "/static/{name}", "/healthz"}
    assert len(lines) == 6
