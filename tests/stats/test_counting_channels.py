"""The counters move with the web chat over HTTP, the terminal and Teams (the real
CloudAdapter, every activity a signed JWT), and reach the database at the end of a turn,
at a graceful stop of the server, and at the end of a command."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import SERVICES, Services, build_services, create_app
from bot.settings import Settings
from tests.adapters.teams.conftest import SDK_WARNINGS, connector, endpoints, openid, signing_key
from tests.adapters.teams.fakes import FakeConnector, SigningKey
from tests.adapters.teams.test_full_flows import (
    app_client,
    leave_signal,
    services_of,
    teams_settings,
    user,
)
from tests.conftest import TEST_KDF
from tests.signals.test_cli import Cli, command_line, environment
from tests.signals.test_cli import leave_signal as leave_signal_in
from tests.stats.channels import terminal_signal, web_chat_signal
from tests.stats.counting import counted, every_row, only

pytestmark = [pytest.mark.filterwarnings(rule) for rule in SDK_WARNINGS]
__all__ = ["app_client", "connector", "endpoints", "openid", "signing_key", "teams_settings"]
Client = TestClient[Any, web.Application]


async def test_the_web_chat_over_http_moves_the_counters(
    aiohttp_client: Any, settings: Settings
) -> None:
    client: Client = await aiohttp_client(create_app(settings))
    services = client.server.app[SERVICES]
    await web_chat_signal(client, "Canary-Text-web1")
    await web_chat_signal(client, "Canary-Text-web2")
    totals = await counted(services)
    assert totals[("conversations", "webchat")] == 2
    assert await only(services, "funnel") == {
        "conversation": 2,
        "options": 2,
        "signal_started": 2,
        "signal_left": 2,
    }
    assert await only(services, "kinds") == {"racism": 2, "bullying": 2}
    assert await only(services, "roles") == {"witness": 2}
    assert await only(services, "follow_ups") == {"opened": 2}


async def test_the_terminal_moves_the_counters(services: Services) -> None:
    await terminal_signal(services, "Canary-Text-console1", "console-conv-1")
    totals = await counted(services)
    assert await only(services, "conversations") == {"console": 1}
    assert totals[("signals", "anonymous")] == 1 and totals[("kinds", "racism")] == 1
    assert totals[("roles", "target")] == 1
    assert await only(services, "follow_ups") == {"opened": 1, "added": 1}


async def test_teams_through_the_cloud_adapter_moves_the_counters(
    app_client: Client, connector: FakeConnector, signing_key: SigningKey
) -> None:
    services = services_of(app_client)
    reporter = user(app_client, connector, signing_key, "stats-teams", locale="en-US")
    await reporter.install()
    await reporter.press("topic:options")
    await reporter.press("topic:bystander")
    await leave_signal(reporter, "Canary-Text-teams1")
    totals = await counted(services)
    assert await only(services, "conversations") == {"teams": 1}
    assert totals[("topics", "options")] == 1 and totals[("topics", "bystander")] == 1
    assert totals[("signals", "anonymous")] == 1
    assert await only(services, "funnel") == {
        "conversation": 1,
        "options": 1,
        "signal_started": 1,
        "signal_left": 1,
    }


async def test_serve_keeps_counts_in_memory_and_writes_them_when_it_stops(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", stats_flush_minutes=60, **TEST_KDF)  # type: ignore[arg-type]
    client: Client = await aiohttp_client(create_app(settings))
    running = client.server.app[SERVICES]
    await web_chat_signal(client, "Canary-Text-web3")
    assert await every_row(running) == [], "nothing written while the hour has not passed"
    assert running.signals.stats.pending > 0
    await client.close()  # a graceful stop: the app's cleanup runs
    after = build_services(settings)
    try:
        totals = await counted(after)
        assert totals[("conversations", "webchat")] == 1
        assert totals[("signals", "anonymous")] == 1
    finally:
        await after.close()


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    environment(monkeypatch, tmp_path / "data")
    monkeypatch.setenv("MELDWIJZER_STATS_FLUSH_MINUTES", "600")  # only the exit writes them
    return command_line(monkeypatch)


async def _counted_in(folder: Path) -> dict[tuple[str, str], int]:
    services = build_services(Settings(data_dir=folder, **TEST_KDF))  # type: ignore[arg-type]
    try:
        return dict(await counted(services))
    finally:
        await services.close()


def test_the_chat_command_writes_its_counts_when_it_ends(cli: Cli, tmp_path: Path) -> None:
    ran = cli("chat", "--lang", "en", stdin="1\nquit\n")
    assert ran.code == 0, ran.err
    import asyncio

    totals = asyncio.run(_counted_in(tmp_path / "data"))
    assert totals[("conversations", "console")] == 1
    assert totals[("topics", "options")] == 1


def test_the_desk_command_writes_its_counts_when_it_ends(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.signals.test_cli import PASSPHRASE, add_adviser, first_signal_prefix

    name = "Canary-Name-stats"
    add_adviser(cli, name)
    leave_signal_in(tmp_path / "data", "Canary-Text-cli1")
    monkeypatch.setattr(getpass, "getpass", lambda prompt: PASSPHRASE)
    prefix = first_signal_prefix(cli, name)
    ran = cli("adviser", "acknowledge", name, prefix, stdin=PASSPHRASE + "\n")
    assert ran.code == 0, ran.err
    import asyncio

    totals = asyncio.run(_counted_in(tmp_path / "data"))
    assert totals[("acknowledged", "met")] == 1
