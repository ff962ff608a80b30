"""The far side of the outbox for tests: channels, a receiving HTTP server, queued rows.

``ReceivingFake`` (aiohttp, 127.0.0.1, port 0) stands for a chat platform or mail server
that recognises a message it already has by its key, the way a mail store dedupes on
``Message-ID``: it records every request and notifies once per key. It can answer a
scripted status, or take a message and lose the answer (close the connection), or hold a
request until the test lets it go. ``HttpChannel`` is a channel over that wire.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import as_utc
from bot.errors import DeliveryError
from bot.outbox.models import NOTICE, PENDING, DeliveryItemRow, DeliveryRow
from bot.outbox.port import Notice

LOSE = 0  # a scripted "status": take the message, then drop the connection unanswered


class Clock:
    """The worker's clock in a test: it moves only when the test moves it."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


class UpperBound:
    """A random source that always picks the longest wait the backoff allows."""

    def uniform(self, a: float, b: float) -> float:
        return b


@dataclass
class Composer:
    """Writes a fixed notice for every row; recipients in ``gone`` have no address."""

    gone: set[str] = field(default_factory=set)
    broken: set[str] = field(default_factory=set)  # delivery ids whose composing fails
    silent: set[str] = field(default_factory=set)  # delivery ids with nothing left to tell
    seen_items: dict[str, list[str]] = field(default_factory=dict)

    async def compose(
        self, db: AsyncSession, delivery: DeliveryRow, items: list[DeliveryItemRow]
    ) -> Notice | None:
        if delivery.id in self.broken:
            raise KeyError("a composer bug")
        self.seen_items[delivery.id] = [item.item_key for item in items]
        if delivery.id in self.silent:
            return None
        subject = "There are new things on your desk in Meldwijzer"
        link = "meldwijzer adviser inbox"
        return Notice(delivery.idempotency_key, "en", subject, f"{len(items)} new\n{link}", link)

    async def address(self, db: AsyncSession, delivery: DeliveryRow) -> str | None:
        return None if delivery.recipient in self.gone else f"address-of-{delivery.recipient}"


@dataclass
class ScriptedChannel:
    """An in-memory channel: raises the scripted errors in turn, then delivers."""

    name: str = "log"
    errors: deque[BaseException] = field(default_factory=deque)
    delivered: list[tuple[str, Notice]] = field(default_factory=list)
    hang: bool = False

    async def deliver(self, address: str, notice: Notice) -> None:
        if self.hang:
            await asyncio.Event().wait()
        if self.errors:
            raise self.errors.popleft()
        self.delivered.append((address, notice))


@dataclass
class ReceivingFake:
    """Records every request by key; ``notified`` holds each key once, as a platform would."""

    requests: list[str] = field(default_factory=list)
    notified: dict[str, int] = field(default_factory=dict)
    script: deque[int] = field(default_factory=deque)
    url: str = ""
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    hold: bool = False  # take every message in and keep its request open

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/notices", self._receive)
        return app

    async def _receive(self, request: web.Request) -> web.StreamResponse:
        body: dict[str, Any] = await request.json()
        key = str(body["key"])
        self.requests.append(key)
        self.arrived.set()
        if self.hold:  # taken in, and the sender never hears back
            self.notified.setdefault(key, len(self.notified))
            await asyncio.Event().wait()
        status = self.script.popleft() if self.script else 200
        if status in (LOSE, 200):
            self.notified.setdefault(key, len(self.notified))
        if status == LOSE:
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=200)
        return web.json_response({"ok": status == 200}, status=status)


class HttpChannel:
    """A channel over HTTP to ``ReceivingFake``: 5xx and lost answers retry, 4xx do not."""

    def __init__(
        self, url: str, name: str = "log", http: aiohttp.ClientSession | None = None
    ) -> None:
        self.name = name
        self._url = url
        self._http = http  # kept open by its owner, else a session per send

    async def deliver(self, address: str, notice: Notice) -> None:
        payload = {"key": notice.key, "to": address, "subject": notice.subject}
        try:
            if self._http is not None:
                status = await self._post(self._http, payload)
            else:
                async with aiohttp.ClientSession() as http:
                    status = await self._post(http, payload)
        except aiohttp.ClientError as exc:
            raise DeliveryError("connection lost", retryable=True) from exc
        if status >= 500:
            raise DeliveryError(f"{status} from the receiver", retryable=True)
        if status >= 400:
            raise DeliveryError(f"{status} from the receiver", retryable=False)

    async def _post(self, http: aiohttp.ClientSession, payload: dict[str, str]) -> int:
        async with http.post(f"{self._url}/notices", json=payload) as answer:
            await answer.read()
            return answer.status


def key_of(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


async def queue(
    sessions: async_sessionmaker[AsyncSession],
    count: int,
    at: datetime,
    *,
    channel: str = "log",
    recipient: str | None = None,
) -> list[str]:
    """``count`` pending notices due at ``at``, each to its own recipient; their ids."""
    rows = []
    for _ in range(count):
        who = recipient or secrets.token_hex(16)
        rows.append(
            DeliveryRow(
                id=secrets.token_hex(16),
                kind=NOTICE,
                recipient=who,
                channel=channel,
                local_date=at.date(),
                idempotency_key=key_of(NOTICE, who, channel, at.isoformat(), secrets.token_hex(4)),
                status=PENDING,
                attempts=0,
                next_attempt_at=at,
            )
        )
    async with sessions.begin() as db:
        db.add_all(rows)
    return [row.id for row in rows]


async def delivery(sessions: async_sessionmaker[AsyncSession], delivery_id: str) -> DeliveryRow:
    async with sessions() as db:
        row = await db.get(DeliveryRow, delivery_id)
        assert row is not None
        row.next_attempt_at = as_utc(row.next_attempt_at)
        row.lease_until = as_utc(row.lease_until) if row.lease_until else None
        return row
