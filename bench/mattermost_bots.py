"""The bots ``bench_mattermost`` measures, each run in a spawned process of its own.

``serve(kind, url, token, data_dir, profile, conn)`` starts one bot against the fake
Mattermost server at ``url``, then waits on ``conn``: "profile" starts the profiler (when
asked for at start) and answers "profiling"; "stop" stops the bot and sends back the
profile's seconds per part (an empty dict without one).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Awaitable, Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench.mattermost_profile import TurnProfile

Close = Callable[[], Awaitable[None]]
MENU_BUTTONS = 7


def serve(kind: str, url: str, token: str, data_dir: str, profile: bool, conn: Connection) -> None:
    asyncio.run(_serve(kind, url, token, Path(data_dir), profile, conn))


async def _serve(
    kind: str, url: str, token: str, data_dir: Path, profile: bool, conn: Connection
) -> None:
    profiler = TurnProfile() if profile else None  # before any thread starts
    starters = {"bare-echo": bare_echo, "adapter+echo": adapter_echo, "meldwijzer": meldwijzer}
    close = await starters[kind](url, token, data_dir)
    loop = asyncio.get_running_loop()
    while (command := await loop.run_in_executor(None, conn.recv)) != "stop":
        if command == "profile":
            if profiler is not None:
                profiler.start()
            conn.send("profiling")
    if profiler is not None:
        profiler.stop()
    await close()
    conn.send(profiler.seconds() if profiler is not None else {})


# ---- bare-echo: aiohttp alone ----------------------------------------------------------


async def bare_echo(url: str, token: str, _data_dir: Path) -> Close:
    """Every ``posted`` event by someone else answered with one POST /api/v4/posts."""
    session = aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"})
    async with session.get(f"{url}/api/v4/users/me") as response:
        me = (await response.json())["id"]
    ws = await session.ws_connect(url.replace("http", "ws", 1) + "/api/v4/websocket")
    replies: set[asyncio.Task[None]] = set()

    async def reply(post: dict[str, Any]) -> None:
        body = {"channel_id": post["channel_id"], "message": f"echo {post['message']}"}
        async with session.post(f"{url}/api/v4/posts", json=body) as response:
            await response.read()

    async def receive() -> None:
        async for message in ws:
            event = json.loads(message.data)
            if event.get("event") != "posted":
                continue
            post = json.loads(event["data"]["post"])
            if post["user_id"] != me:
                task = asyncio.create_task(reply(post))
                replies.add(task)
                task.add_done_callback(replies.discard)

    receiving = asyncio.create_task(receive())

    async def close() -> None:
        receiving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await receiving
        await ws.close()
        await session.close()

    return close


# ---- adapter+echo and meldwijzer: our channel -----------------------------------------


class MenuShapedEcho:
    """A core that answers at once, with a reply of the menu's shape: text, seven buttons."""

    async def handle(self, incoming: Any) -> Sequence[Any]:
        from bot.core import Button, Reply

        buttons = tuple(Button(f"Knop {n}", f"topic:knop-{n}") for n in range(MENU_BUTTONS))
        return (Reply(text=f"echo {incoming.text}", buttons=buttons),)


def settings_for(url: str, token: str, data_dir: Path) -> Any:
    from pydantic import SecretStr

    from bot.settings import Settings

    with socket.socket() as probe:  # the callback address the buttons carry needs the port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return Settings(
        data_dir=data_dir,
        host="127.0.0.1",
        port=port,
        teams_enabled=False,
        demo_adviser=False,
        mattermost_url=url,
        mattermost_token=SecretStr(token),
        kdf_memory_kib=64,  # a menu turn never runs the KDF
    )


async def run_app(app: web.Application, settings: Any) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", settings.port).start()
    return runner


async def adapter_echo(url: str, token: str, data_dir: Path) -> Close:
    from adapters.mattermost import setup_mattermost
    from bot.app import build_services, prepare_database, secret_of

    settings = settings_for(url, token, data_dir)
    services = build_services(settings)
    await prepare_database(services)
    app = web.Application()
    setup_mattermost(app, MenuShapedEcho(), settings, services.sessions, secret_of(settings))
    runner = await run_app(app, settings)

    async def close() -> None:
        await runner.cleanup()
        await services.close()
        services.signals.kdf_pool.close()

    return close


async def meldwijzer(url: str, token: str, data_dir: Path) -> Close:
    from bot.app import create_app

    settings = settings_for(url, token, data_dir)
    runner = await run_app(create_app(settings), settings)
    return runner.cleanup
