"""Canaries for the moment of speaking up: no log line or row tells a submission from a turn.

A mix of ordinary web-chat turns, submissions and follow-up goes through the real app over
HTTP, and a Teams-style conversation through the core. Each turn's log records (at INFO, as
``meldwijzer serve`` logs, from every logger but the HTTP access log, which the web chat's
own tests cover) are collected; the records of submission turns must look like those of
some ordinary turn. In the database the two web-chat signals, sent in a known order, must
differ only in random values.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import SERVICES, Services
from bot.core import Channel
from tests.signals.conftest import Person, add_to_thread, submit_signal
from tests.signals.test_canaries import post, web_client  # noqa: F401 (the served app)

Shape = tuple[str, int, str]
# Values drawn at random per signal; everything else must not depend on the order.
RANDOM_COLUMNS = {"id", "lookup_key", "public_key", "receipt_wrap", "receipt_salt"}


# Lines of the background loops, written on their own clock (the daily rewrite in the first
# housekeeping round, a digest started at the digest hour and sent by the outbox worker),
# which may land while a turn is in flight; no turn writes to these loggers.
BACKGROUND = frozenset(
    {"meldwijzer.compaction", "meldwijzer.notices", "meldwijzer.outbox", "meldwijzer.delivery"}
)


class TurnLog:
    """The log records each turn produced, in the shape a reader of the log would see."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog
        self.turns: list[tuple[bool, frozenset[Shape]]] = []

    async def turn(self, submission: bool, action: Callable[[], Awaitable[Any]]) -> Any:
        start = len(self._caplog.records)
        result = await action()
        shapes = frozenset(
            (r.name, r.levelno, str(r.msg))
            for r in self._caplog.records[start:]
            if r.levelno >= logging.INFO and r.name != "aiohttp.access" and r.name not in BACKGROUND
        )
        self.turns.append((submission, shapes))
        return result


async def web_chat_session(client: TestClient[Any, Any], log: TurnLog, what: str) -> str:
    started = await log.turn(
        False, lambda: client.post("/api/webchat/conversations", json={"locale": "en"})
    )
    token = (await started.json())["conversation"]

    async def say(body: dict[str, Any]) -> list[Any]:
        return await post(client, token, body)

    await log.turn(False, lambda: say({"text": "what can I do about discrimination at work?"}))
    await log.turn(False, lambda: say({"action": "topic:signal"}))
    await log.turn(False, lambda: say({"action": "signal:mode:anonymous"}))
    intake = {"what": what, "role": "target", "kinds": ["racism"]}
    replies = await log.turn(True, lambda: say({"form": "signal:intake", "data": intake}))
    (shown,) = [r for r in replies if r["sensitive"]]
    receipt: str = shown["text"].split("**")[1]
    await log.turn(False, lambda: say({"action": "topic:follow-up"}))
    await log.turn(False, lambda: say({"form": "follow-up:read", "data": {"code": receipt}}))
    await log.turn(False, lambda: say({"text": "who is a confidential adviser?"}))
    return receipt


async def teams_session(services: Services, log: TurnLog) -> None:
    person = Person(services.conversations, Channel.TEAMS, "teams-conv-order", "aad-order-1")
    await log.turn(False, person.start)
    sent = await log.turn(True, lambda: submit_signal(services, person=person))
    await log.turn(False, lambda: add_to_thread(person, sent.receipt, "Canary-Text-teams"))


async def signal_rows(services: Services) -> list[dict[str, Any]]:
    async with services.engine.connect() as connection:
        result = await connection.exec_driver_sql("SELECT * FROM signals")
        return [dict(row._mapping) for row in result.all()]


async def test_no_log_line_or_row_tells_a_submission_or_the_order(
    web_client: TestClient[Any, Any],  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    app: web.Application = web_client.server.app  # type: ignore[assignment]
    services = app[SERVICES]
    log = TurnLog(caplog)
    first = await web_chat_session(web_client, log, "Canary-Text-first")
    second = await web_chat_session(web_client, log, "Canary-Text-second")
    assert first != second
    ordinary = {shapes for submission, shapes in log.turns if not submission}
    for submission, shapes in log.turns:
        if submission:
            assert shapes in ordinary, f"a submission turn logged {sorted(shapes)}"
    rows = await signal_rows(services)
    assert len(rows) == 2
    plain = [{k: v for k, v in row.items() if k not in RANDOM_COLUMNS} for row in rows]
    assert plain[0] == plain[1], "apart from random values the two signals are alike"
    await teams_session(services, log)
    for submission, shapes in log.turns:
        assert not submission or shapes in ordinary
