"""The shipped nginx configuration at its edge: what it passes on, refuses and writes down.

Behind nginx here are two stand-in replicas that record the requests they get (the far
side of the wire), so the test sees exactly which headers reach a replica. The app behind
the real configuration is in test_replicas_behind_nginx.py.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from tests.deploy.nginx_process import Nginx, running_nginx

ADDRESS = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b|\[?[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\]?")
TOKEN = "tok-3f9c1d2e8a7b"
SPOOFED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Real-IP": "203.0.113.7",
    "Forwarded": "for=203.0.113.7",
}


class Replica:
    """Answers every request with 200 and keeps its headers."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []

    async def answer(self, request: web.Request) -> web.Response:
        await request.read()
        self.seen.append(dict(request.headers))
        return web.json_response({"replies": []})


@pytest.fixture
async def edge(tmp_path: Path) -> AsyncIterator[tuple[Nginx, list[Replica]]]:
    replicas = [Replica(), Replica()]
    runners = []
    ports = []
    for replica in replicas:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", replica.answer)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        ports.append(runner.addresses[0][1])
    try:
        with running_nginx(tmp_path / "nginx", ports) as nginx:
            yield nginx, replicas
    finally:
        for runner in runners:
            await runner.cleanup()


def client(nginx: Nginx) -> aiohttp.ClientSession:
    context = ssl.create_default_context(cafile=nginx.ca_file)
    connector = aiohttp.TCPConnector(ssl=context, force_close=True)
    return aiohttp.ClientSession(nginx.url, connector=connector)


async def test_no_client_address_reaches_a_replica_and_round_robin_alternates(
    edge: tuple[Nginx, list[Replica]],
) -> None:
    nginx, replicas = edge
    path = f"/api/webchat/conversations/{TOKEN}/messages"
    async with client(nginx) as session:
        for _ in range(4):
            async with session.post(path, json={"text": "hoi"}, headers=SPOOFED) as answer:
                assert answer.status == 200
    assert [len(r.seen) for r in replicas] == [2, 2]
    for headers in replicas[0].seen + replicas[1].seen:
        names = {name.lower() for name in headers}
        assert not names & {"x-forwarded-for", "x-real-ip", "forwarded"}, headers
        assert "203.0.113.7" not in str(headers)
        assert "127.0.0.1" not in " ".join(v for k, v in headers.items() if k.lower() != "host")
        assert headers["X-Forwarded-Proto"] == "https"


async def test_bodies_over_the_apps_limits_are_refused_by_nginx_as_json(
    edge: tuple[Nginx, list[Replica]],
) -> None:
    nginx, replicas = edge
    async with client(nginx) as session:
        fits = await session.post("/api/webchat/conversations", data=b"x" * (64 * 1024))
        too_large = await session.post("/api/webchat/conversations", data=b"x" * (64 * 1024 + 1))
        teams_fits = await session.post("/api/messages", data=b"x" * (256 * 1024))
        teams_too_large = await session.post("/api/messages", data=b"x" * (256 * 1024 + 1))
        refusal = await too_large.json()
    assert [fits.status, too_large.status, teams_fits.status, teams_too_large.status] == [
        200,
        413,
        200,
        413,
    ]
    assert refusal["error"]["code"] == "too_large"
    assert not re.search(r"\d", too_large.headers.get("Server", "")), "a version is named"
    assert sum(len(r.seen) for r in replicas) == 2


async def test_no_replica_answering_is_a_json_503_and_plain_http_moves_to_https(
    tmp_path: Path,
) -> None:
    closed = []
    for _ in range(2):  # ports nobody listens on
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        closed.append(server.sockets[0].getsockname()[1])
        server.close()
        await server.wait_closed()
    with running_nginx(tmp_path / "nginx", closed) as nginx:
        async with client(nginx) as session:
            answer = await session.get("/healthz")
            body = await answer.json()
        async with aiohttp.ClientSession() as plain:
            moved = await plain.get(
                f"http://127.0.0.1:{nginx.http_port}/?x=1", allow_redirects=False
            )
        logs = nginx.logs()
    assert (answer.status, body["error"]["code"]) == (503, "unavailable")
    assert moved.status == 301 and moved.headers["Location"].startswith("https://")
    assert_no_address_or_token(logs)


async def test_the_logs_name_routes_and_statuses_never_an_address_or_a_token(
    edge: tuple[Nginx, list[Replica]],
) -> None:
    nginx, _ = edge
    async with client(nginx) as session:
        await session.post(f"/api/webchat/conversations/{TOKEN}/messages", json={"text": "a"})
        await session.get("/healthz", headers=SPOOFED)
        await session.post("/api/webchat/conversations", data=b"x" * (65 * 1024))
    lines = nginx.access_lines()
    assert len(lines) == 3
    assert "POST /api/webchat/conversations/{token}/messages 200" in lines[0]
    assert "GET /healthz 200" in lines[1]
    assert "POST /api/webchat/conversations 413" in lines[2]
    assert_no_address_or_token(nginx.logs())


def assert_no_address_or_token(logs: str) -> None:
    timestamps = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
    without_times = timestamps.sub("", logs)
    assert not ADDRESS.findall(without_times), logs
    assert TOKEN not in logs
