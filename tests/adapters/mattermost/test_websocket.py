"""The websocket client against the fake Mattermost server (plain and TLS).

No wall-clock assertions: the pause between reconnects is injected (``Pauses``) so a test can
hold the client while the server changes, and ``wait_until`` only guards against hanging.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import ssl
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.mattermost.backoff import Backoff
from adapters.mattermost.websocket import MattermostSocket

from .fake_server import FakeMattermost

WS_PATH = "/api/v4/websocket"


class Recorder:
    """A handler that writes down what it was given, optionally stalling on each event."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.stall = asyncio.Event()
        self.stall.set()
        self.socket: MattermostSocket | None = None
        self.backlogs: list[int] = []

    async def on_hello(self, *, first: bool, resumed: bool) -> None:
        self.calls.append(("hello", first, resumed))

    async def on_event(self, event: Mapping[str, Any]) -> None:
        if self.socket is not None:
            self.backlogs.append(self.socket.backlog)
        await self.stall.wait()
        if event.get("event") == "posted":
            self.calls.append(("posted", json.loads(event["data"]["post"])["message"]))

    @property
    def hellos(self) -> list[tuple[Any, ...]]:
        return [call for call in self.calls if call[0] == "hello"]

    @property
    def posted(self) -> list[str]:
        return [call[1] for call in self.calls if call[0] == "posted"]


class Pauses:
    """Stands in for the sleep between reconnects: records each delay, waits while held."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self._open = asyncio.Event()
        self._open.set()

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await self._open.wait()


async def wait_until(predicate: Callable[[], bool]) -> None:
    async with asyncio.timeout(10):  # a guard against hanging, not an assertion on time
        while not predicate():
            await asyncio.sleep(0.005)


@pytest.fixture
async def fake() -> AsyncIterator[FakeMattermost]:
    async with FakeMattermost() as server:
        yield server
        assert server.shape_errors == []


class Running:
    """A socket running in a task, with its handler and pauses."""

    def __init__(self, fake: FakeMattermost, **options: Any) -> None:
        self.handler = Recorder()
        self.pauses = Pauses()
        options.setdefault("backoff", Backoff(base_seconds=0.001, max_seconds=0.01))
        self.socket = MattermostSocket(
            fake.url, fake.bot.token, self.handler, sleep=self.pauses, **options
        )
        self.handler.socket = self.socket
        self.task: asyncio.Task[None] = asyncio.create_task(self.socket.run())

    async def stop(self) -> None:
        self.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self.task


@pytest.fixture
async def running(fake: FakeMattermost) -> AsyncIterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(**options: Any) -> Running:
        started.append(Running(fake, **options))
        return started[-1]

    yield start
    for run in started:
        if not run.task.done():
            await run.stop()


def upgrades(fake: FakeMattermost) -> list[Any]:
    return [r for r in fake.requests if r.method == "GET" and r.path == WS_PATH]


async def test_bearer_auth_on_the_upgrade_and_events_in_order(
    fake: FakeMattermost, running: Callable[..., Running]
) -> None:
    alice, bob = fake.add_user("alice"), fake.add_user("bob")
    run = running()
    await wait_until(lambda: run.handler.hellos == [("hello", True, False)])
    assert run.socket.state == "connected"
    for n in range(5):
        await fake.user_posts(alice if n % 2 else bob, f"bericht {n}")
    await wait_until(lambda: len(run.handler.posted) == 5)
    assert run.handler.posted == [f"bericht {n}" for n in range(5)]
    assert upgrades(fake)[0].headers["Authorization"] == f"Bearer {fake.bot.token}"


async def test_an_older_server_is_answered_with_the_authentication_challenge(
    fake: FakeMattermost, running: Callable[..., Running]
) -> None:
    fake.require_challenge = True
    alice = fake.add_user("alice")
    run = running()
    await wait_until(lambda: run.handler.hellos == [("hello", True, False)])
    await fake.user_posts(alice, "hallo")
    await wait_until(lambda: run.handler.posted == ["hallo"])


async def test_a_drop_resumes_the_same_connection_and_replays_missed_events_once(
    fake: FakeMattermost, running: Callable[..., Running]
) -> None:
    alice = fake.add_user("alice")
    run = running()
    await wait_until(lambda: len(run.handler.hellos) == 1)
    await fake.user_posts(alice, "een")
    await fake.user_posts(alice, "twee")
    await wait_until(lambda: len(run.handler.posted) == 2)

    run.pauses.hold()
    await fake.drop_sockets()
    await wait_until(lambda: len(run.pauses.delays) == 1)
    assert run.socket.state == "reconnecting"
    await fake.user_posts(alice, "drie")  # sent while the bot is away
    await fake.user_posts(alice, "vier")
    run.pauses.release()
    await wait_until(lambda: len(run.handler.posted) == 4)
    await fake.user_posts(alice, "vijf")
    await wait_until(lambda: len(run.handler.posted) == 5)

    assert run.handler.posted == ["een", "twee", "drie", "vier", "vijf"]
    assert run.handler.hellos == [("hello", True, False), ("hello", False, True)]
    resumed = upgrades(fake)[-1]
    first_hello = next(f for f in fake.frames_sent if f.get("event") == "hello")
    assert resumed.query["connection_id"] == first_hello["data"]["connection_id"]
    assert resumed.query["sequence_number"] == "3"  # hello 0, posts 1 and 2: next is 3


async def test_a_resume_in_a_later_run_replays_what_was_received_but_never_handled(
    fake: FakeMattermost, running: Callable[..., Running]
) -> None:
    alice = fake.add_user("alice")
    run = running()
    await wait_until(lambda: len(run.handler.hellos) == 1)
    await fake.user_posts(alice, "een")
    await wait_until(lambda: run.handler.posted == ["een"])
    run.handler.stall.clear()
    await fake.user_posts(alice, "twee")
    await fake.user_posts(alice, "drie")
    await wait_until(lambda: len(run.handler.backlogs) == 2)  # "twee" is being handled
    await run.stop()  # e.g. leadership lost: "twee" and "drie" were never handled

    run.handler.stall.set()
    run.task = asyncio.create_task(run.socket.run())
    await wait_until(lambda: len(run.handler.posted) == 3)
    assert run.handler.posted == ["een", "twee", "drie"]
    assert upgrades(fake)[-1].query["sequence_number"] == "2"


async def test_a_forgotten_connection_gets_a_new_id_and_the_listener_is_told_to_catch_up(
    fake: FakeMattermost, running: Callable[..., Running]
) -> None:
    alice = fake.add_user("alice")
    run = running()
    await wait_until(lambda: len(run.handler.hellos) == 1)
    fake.forget_connections()
    await fake.drop_sockets()
    await wait_until(lambda: len(run.handler.hellos) == 2)
    assert run.handler.hellos == [("hello", True, False), ("hello", False, False)]
    await fake.user_posts(alice, "na de herstart")
    await wait_until(lambda: run.handler.posted == ["na de herstart"])


async def test_a_revoked_token_stops_the_socket_after_one_attempt(
    fake: FakeMattermost, running: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    run = running()
    await wait_until(lambda: len(run.handler.hellos) == 1)
    before = fake.connections_total
    fake.revoke_token()
    with caplog.at_level(logging.WARNING):
        await fake.drop_sockets()
        async with asyncio.timeout(10):
            await run.task  # run() returns by itself
    assert run.socket.state == "unauthorized"
    assert fake.connections_total == before + 1  # no retry loop
    refusals = [r for r in caplog.records if "refused the bot token" in r.getMessage()]
    assert len(refusals) == 1
    assert fake.bot.token not in caplog.text


async def test_backoff_grows_with_jitter_between_failed_attempts(
    fake: FakeMattermost, running: Callable[..., Running]
) -> None:
    fake.fail_next("GET", WS_PATH, 503, times=5)
    backoff = Backoff(base_seconds=1.0, max_seconds=60.0, rng=random.Random(7))
    run = running(backoff=backoff)
    await wait_until(lambda: len(run.handler.hellos) == 1)

    twin = random.Random(7)
    ceilings = [1.0, 2.0, 4.0, 8.0, 16.0]
    assert run.pauses.delays == [twin.uniform(0, c) for c in ceilings]
    assert all(0 <= d <= c for d, c in zip(run.pauses.delays, ceilings, strict=True))
    assert run.pauses.delays != ceilings  # jittered, not the bare exponential


async def test_a_working_connection_resets_the_backoff(
    fake: FakeMattermost, running: Callable[..., Running]
) -> None:
    fake.fail_next("GET", WS_PATH, 503, times=3)
    run = running(backoff=Backoff(base_seconds=1.0, max_seconds=60.0, rng=random.Random(3)))
    await wait_until(lambda: len(run.handler.hellos) == 1)
    await fake.drop_sockets()
    await wait_until(lambda: len(upgrades(fake)) == 5 and run.socket.state == "connected")

    twin = random.Random(3)
    expected = [twin.uniform(0, c) for c in (1.0, 2.0, 4.0, 1.0)]  # back to the first ceiling
    assert run.pauses.delays == expected


async def test_wss_with_the_test_ca(tmp_path: Path) -> None:
    async with FakeMattermost(tls=True, tmp_path=tmp_path) as fake:
        assert fake.url.startswith("https://") and fake.ca_file is not None
        alice = fake.add_user("alice")
        context = ssl.create_default_context(cafile=str(fake.ca_file))
        run = Running(fake, ssl_context=context)
        try:
            await wait_until(lambda: len(run.handler.hellos) == 1)
            await fake.user_posts(alice, "versleuteld")
            await wait_until(lambda: run.handler.posted == ["versleuteld"])
        finally:
            await run.stop()
        assert fake.shape_errors == []


async def test_wss_without_the_ca_is_refused_by_certificate_checking(tmp_path: Path) -> None:
    async with FakeMattermost(tls=True, tmp_path=tmp_path) as fake:
        run = Running(fake)
        run.pauses.hold()
        try:
            await wait_until(lambda: len(run.pauses.delays) == 1)
            assert run.socket.state == "reconnecting"
            assert run.handler.calls == []
        finally:
            await run.stop()


async def test_a_slow_handler_applies_backpressure_and_loses_nothing(
    fake: FakeMattermost, running: Callable[..., Running]
) -> None:
    alice = fake.add_user("alice")
    run = running(queue_size=2)
    await wait_until(lambda: len(run.handler.hellos) == 1)
    run.handler.stall.clear()
    for n in range(30):
        await fake.user_posts(alice, f"m{n}")
    await wait_until(lambda: run.socket.backlog == 2)  # full, and the receiver waits
    run.handler.stall.set()
    await wait_until(lambda: len(run.handler.posted) == 30)
    assert run.handler.posted == [f"m{n}" for n in range(30)]
    assert max(run.handler.backlogs) <= 2


async def test_cancel_closes_the_socket(
    fake: FakeMattermost, running: Callable[..., Running]
) -> None:
    run = running()
    await wait_until(lambda: len(run.handler.hellos) == 1)
    assert fake.sockets_open == 1
    await run.stop()
    assert run.socket.state == "stopped"
    await wait_until(lambda: fake.sockets_open == 0)


async def test_the_token_is_not_in_the_repr(fake: FakeMattermost) -> None:
    socket = MattermostSocket(fake.url, fake.bot.token, Recorder())
    assert fake.bot.token not in repr(socket)


async def test_a_401_on_the_upgrade_stops_at_once(
    fake: FakeMattermost, running: Callable[..., Running]
) -> None:
    fake.fail_next("GET", WS_PATH, 401)
    run = running()
    async with asyncio.timeout(10):
        await run.task
    assert run.socket.state == "unauthorized"
    assert len(upgrades(fake)) == 1
    assert run.pauses.delays == []


class Failing(Recorder):
    async def on_event(self, event: Mapping[str, Any]) -> None:
        message = json.loads(event["data"]["post"])["message"]
        if message == "boem":
            raise RuntimeError(f"handler broke on {message}")
        await super().on_event(event)


async def test_a_failing_handler_loses_one_event_not_the_stream(
    fake: FakeMattermost, caplog: pytest.LogCaptureFixture
) -> None:
    alice = fake.add_user("alice")
    handler = Failing()
    socket = MattermostSocket(fake.url, fake.bot.token, handler)
    task = asyncio.create_task(socket.run())
    try:
        await wait_until(lambda: len(handler.hellos) == 1)
        for text in ("voor", "boem", "na"):
            await fake.user_posts(alice, text)
        await wait_until(lambda: len(handler.posted) == 2)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert handler.posted == ["voor", "na"]
    assert "RuntimeError" in caplog.text
    assert "boem" not in caplog.text  # the exception's message may hold a user's words


async def test_a_server_that_stops_answering_pings_is_left_and_resumed() -> None:
    """A link that died silently (no FIN, no pongs) is noticed by our own pings."""
    upgrades_seen: list[dict[str, str]] = []

    async def mute_websocket(request: web.Request) -> web.WebSocketResponse:
        upgrades_seen.append(dict(request.query))
        socket = web.WebSocketResponse(autoping=False)  # never answers a ping
        await socket.prepare(request)
        hello = {"event": "hello", "data": {"connection_id": "m" * 26}, "seq": 0}
        await socket.send_str(json.dumps(hello))
        async for _ in socket:
            pass
        return socket

    app = web.Application()
    app.router.add_get(WS_PATH, mute_websocket)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    handler = Recorder()
    base_url = str(server.make_url("")).rstrip("/")
    socket = MattermostSocket(base_url, "token", handler, ping_seconds=0.05, sleep=Pauses())
    task = asyncio.create_task(socket.run())
    try:
        await wait_until(lambda: len(upgrades_seen) >= 2)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await server.close()
    assert upgrades_seen[1] == {"connection_id": "m" * 26, "sequence_number": "1"}
