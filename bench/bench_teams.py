"""Throughput of POST /api/messages: a bare botbuilder echo bot against our Teams adapter.

Run: ``.venv/bin/python -m bench.bench_teams [--turns 300] [--write bench/RESULTS.md]``.
Everything runs on 127.0.0.1: a fake Bot Connector (replies and the bot's token endpoint)
and OpenID metadata + JWKS served from a thread. Each configuration answers recorded Teams
messages; requests are sequential so the numbers show per-turn cost, not concurrency.

* ``bare``: botbuilder's ``CloudAdapter.process`` with an ``ActivityHandler`` echo bot, the
  SDK's own connector factory (a new ConnectorClient per turn). With auth on it gets our
  credentials factory, because the SDK's MSAL credentials only accept an https authority and
  would call login.microsoftonline.com for instance discovery.
* ``ours+echo``: ``setup_teams`` with a one-line echo handler (adapter cost alone).
* ``ours+core``: ``setup_teams`` around the real core from ``bot.app.create_app``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.teams import TeamsEndpoints, setup_teams  # noqa: E402
from adapters.teams.credentials import TeamsCredentialsFactory  # noqa: E402
from adapters.teams.endpoints import sdk_configuration  # noqa: E402
from adapters.teams.tokens import BotTokenSource  # noqa: E402
from bench.results import machine_line, write_section  # noqa: E402
from bot.core import Incoming, Reply  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.adapters.teams.fakes import (  # noqa: E402
    FakeConnector,
    OpenIdServer,
    SigningKey,
    channel_claims,
)

APP_ID = "c9e8c047-2a74-40a2-b28a-b162d5f5327c"
FIXTURE = ROOT / "tests/adapters/teams/fixtures/message.json"


class Echo:
    async def handle(self, incoming: Incoming) -> Sequence[Reply]:
        return [Reply(f"echo {incoming.text}")]


def bare_app(settings: Settings, endpoints: TeamsEndpoints) -> web.Application:
    from botbuilder.core import ActivityHandler, MessageFactory
    from botbuilder.integration.aiohttp import (
        CloudAdapter,
        ConfigurationBotFrameworkAuthentication,
    )

    class EchoBot(ActivityHandler):  # type: ignore[misc]
        async def on_message_activity(self, turn_context: Any) -> None:
            await turn_context.send_activity(
                MessageFactory.text(f"echo {turn_context.activity.text}")
            )

    if settings.teams_app_id:
        tokens = BotTokenSource(APP_ID, "s3cret", endpoints.token_url(settings.teams_tenant_id))
        auth = ConfigurationBotFrameworkAuthentication(
            sdk_configuration(settings, endpoints),
            credentials_factory=TeamsCredentialsFactory(APP_ID, tokens),
        )
    else:
        auth = ConfigurationBotFrameworkAuthentication(SimpleNamespace(APP_ID="", APP_PASSWORD=""))
    adapter, bot = CloudAdapter(auth), EchoBot()

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response or web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    if settings.teams_app_id:

        async def close(_app: web.Application) -> None:
            await tokens.close()

        app.on_cleanup.append(close)
    return app


def ours_app(settings: Settings, endpoints: TeamsEndpoints, core: bool) -> web.Application:
    if core:
        from bot.app import create_app

        return create_app(settings, teams_endpoints=endpoints)
    from sqlalchemy.ext.asyncio import async_sessionmaker

    app = web.Application()
    setup_teams(app, Echo(), settings, async_sessionmaker(), endpoints=endpoints)
    return app


async def measure(
    app: web.Application, activities: list[dict[str, Any]], token: str | None, turns: int
) -> list[float]:
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    url = str(server.make_url("/api/messages"))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    bodies = [json.dumps(activity) for activity in activities]
    headers["Content-Type"] = "application/json"
    timings: list[float] = []
    try:
        async with ClientSession() as session:
            for index in range(turns + 20):
                started = time.perf_counter()
                body = bodies[index % len(bodies)]
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    if response.status >= 300:
                        raise SystemExit(f"unexpected HTTP {response.status}")
                if index >= 20:  # warm-up turns are not counted
                    timings.append(time.perf_counter() - started)
    finally:
        await server.close()
    return timings


async def main(turns: int, write: Path | None) -> None:
    fake = FakeConnector()
    connector = TestServer(fake.app(), host="127.0.0.1", port=0)
    await connector.start_server()
    fake.url = str(connector.make_url("")).rstrip("/")
    key = SigningKey("bench-key")
    rows: list[tuple[str, str, list[float]]] = []
    with OpenIdServer([key]) as openid, tempfile.TemporaryDirectory() as data:
        endpoints = TeamsEndpoints(
            login_host=fake.url,
            channel_openid_metadata_url=openid.metadata_url,
            emulator_openid_metadata_url=openid.metadata_url,
            oauth_api_url=fake.url,
        )
        activity = json.loads(FIXTURE.read_text(encoding="utf-8"))
        activity["serviceUrl"] = fake.url + "/"
        # The same question every turn leaves the conversation's state as it was (no write);
        # alternating two questions changes it every turn (one database write per turn).
        other = {**activity, "text": "Ik zag dat een collega werd uitgescholden"}
        scenarios = {"same": [activity], "changing": [activity, other]}
        token = key.token(**channel_claims(APP_ID, activity["serviceUrl"]))
        for auth in ("off", "on"):
            ids = {"teams_app_id": APP_ID, "teams_app_password": "s3cret"} if auth == "on" else {}
            for name in ("bare", "ours+echo", "ours+core", "ours+core*"):
                settings = Settings(
                    data_dir=Path(data) / f"{name}-{auth}", kdf_memory_kib=64, **ids
                )  # type: ignore[arg-type]
                app = (
                    bare_app(settings, endpoints)
                    if name == "bare"
                    else ours_app(settings, endpoints, core=name.startswith("ours+core"))
                )
                sent = scenarios["changing" if name.endswith("*") else "same"]
                timings = await measure(app, sent, token if auth == "on" else None, turns)
                rows.append((name, auth, timings))
    await connector.close()
    report(rows, turns, write)


def report(rows: list[tuple[str, str, list[float]]], turns: int, write: Path | None) -> None:
    lines = [
        "| adapter | auth | turns/s | p50 ms | p95 ms | × bare echo |",
        "|---|---|---:|---:|---:|---:|",
    ]
    bare = {auth: len(t) / sum(t) for name, auth, t in rows if name == "bare"}
    for name, auth, timings in rows:
        rate = len(timings) / sum(timings)
        p50 = statistics.median(timings) * 1000
        p95 = statistics.quantiles(timings, n=20)[18] * 1000
        lines.append(
            f"| {name} | {auth} | {rate:.1f} | {p50:.2f} | {p95:.2f} | {rate / bare[auth]:.2f} |"
        )
    print("\n".join(lines))
    if write:
        intro = [
            f"Measured {date.today().isoformat()} on {machine_line()}; {turns} sequential turns "
            "per row after 20 warm-up turns, fake Bot Connector and OpenID metadata on 127.0.0.1.",
            "",
            "* bare: botbuilder's CloudAdapter.process with an echo ActivityHandler (a new "
            "ConnectorClient every turn). With auth on it gets our token source, since the SDK's "
            "MSAL credentials cannot be pointed at a local token endpoint.",
            "* ours+echo: our Teams adapter around a one-line echo handler.",
            "* ours+core: our adapter around the real core (create_app), the same question every "
            "turn, so the conversation state does not change and is not written.",
            "* ours+core*: the same, alternating two questions, so every turn writes the "
            "conversation state (SQLite; that commit with synchronous=NORMAL, see bot/state.py).",
            "* Our adapter posts replies to the Bot Connector itself (adapters/teams/replies.py) "
            "and reuses connector clients and tokens; the bare bot pays msrest's per-turn "
            "client construction and model serialisation.",
            "",
        ]
        write_section(write, "Teams turn (POST /api/messages)", intro + lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=300, help="measured turns per configuration")
    parser.add_argument("--write", type=Path, help="update the section in this Markdown file")
    args = parser.parse_args()
    asyncio.run(main(max(20, min(args.turns, 5000)), args.write))
