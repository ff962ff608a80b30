"""Fixtures for the Teams channel: fakes on 127.0.0.1, signing keys, an app with a tiny handler."""

from __future__ import annotations

import copy
import json
import socket
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.teams import RetryPolicy, TeamsChannel, TeamsEndpoints, TurnHandler, setup_teams
from adapters.teams.references import AdviserConversationRow
from bot.core import Button, Choice, FieldKind, Form, FormField, Incoming, Kind, Reply
from bot.db import create_engine, session_factory
from bot.settings import Settings

from .fakes import FakeConnector, OpenIdServer, SigningKey

FIXTURES = Path(__file__).parent / "fixtures"
APP_ID = "c9e8c047-2a74-40a2-b28a-b162d5f5327c"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.01)

# Deprecation warnings raised inside the archived SDK and msrest, not by our code.
SDK_WARNINGS = (
    "ignore::DeprecationWarning:botbuilder.*",
    "ignore::DeprecationWarning:botframework.*",
    "ignore::DeprecationWarning:msrest.*",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            for rule in SDK_WARNINGS:
                item.add_marker(pytest.mark.filterwarnings(rule))


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection that is not to 127.0.0.1 (threads included)."""
    original = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1"):
            raise AssertionError(f"test tried to reach {host!r}")
        return original(self, address)

    original_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "::1", "localhost", None):
            raise AssertionError(f"test tried to resolve {host!r}")
        return original_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def load_activity(name: str, service_url: str) -> dict[str, Any]:
    activity: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    activity["serviceUrl"] = service_url
    return copy.deepcopy(activity)


class EchoHandler:
    """A tiny core stand-in: echoes, offers buttons and a form, fails on request."""

    def __init__(self) -> None:
        self.seen: list[Incoming] = []

    async def handle(self, incoming: Incoming) -> Sequence[Reply]:
        self.seen.append(incoming)
        if incoming.kind is Kind.START:
            return [Reply("Welkom bij **Meldwijzer**.", buttons=(Button("Opties", "options"),))]
        if incoming.kind is Kind.ACTION:
            return [Reply(f"action {incoming.action}")]
        if incoming.kind is Kind.FORM:
            fields = ", ".join(f"{k}={v}" for k, v in sorted(incoming.data.items()))
            return [Reply(f"form {incoming.form}: {fields}")]
        if incoming.text == "boom":
            raise RuntimeError("handler failure")
        if incoming.text == "form":
            return [Reply("Vul in:", form=SIGNAL_FORM)]
        if incoming.text == "long":
            return [Reply("woord " * 5000)]
        if incoming.text == "receipt":
            return [Reply("Je code: **ABCD-EFGH**", sensitive=True)]
        return [Reply(f"echo {incoming.text}", buttons=(Button("Ja", "yes"), Button("Nee", "no")))]


SIGNAL_FORM = Form(
    id="signal",
    title="Anonieme melding",
    fields=(
        FormField("what", "Wat is er gebeurd?", FieldKind.TEXTAREA, required=True, max_length=4000),
        FormField("where", "Waar?", FieldKind.CHOICE, choices=(Choice("team", "In mijn team"),)),
        FormField(
            "kinds",
            "Soort",
            FieldKind.MULTI,
            choices=(Choice("racism", "Racisme"), Choice("exclusion", "Uitsluiting")),
        ),
        FormField("passphrase", "Wachtwoord", FieldKind.PASSWORD),
    ),
    submit_label="Versturen",
)


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    server = TestServer(fake.app(), host="127.0.0.1", port=0)
    # No access log: it would be the Bot Connector's log, not ours, and would show its
    # URLs (conversation ids) among the records the canary tests search.
    await server.start_server(access_log=None)
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


@pytest.fixture
def signing_key() -> SigningKey:
    return SigningKey("test-key-1")


@pytest.fixture
def openid(signing_key: SigningKey) -> Iterator[OpenIdServer]:
    with OpenIdServer([signing_key]) as server:
        yield server


@pytest.fixture
def endpoints(connector: FakeConnector, openid: OpenIdServer) -> TeamsEndpoints:
    return TeamsEndpoints(
        login_host=connector.url,
        channel_openid_metadata_url=openid.metadata_url,
        emulator_openid_metadata_url=openid.metadata_url,
        oauth_api_url=connector.url,
        default_service_url=connector.url + "/",
    )


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'teams.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(AdviserConversationRow.__table__.create)
    yield session_factory(engine)
    await engine.dispose()


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "teams_app_id": APP_ID,
        "teams_app_password": "s3cret",
        "teams_tenant_id": TENANT_ID,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def handler() -> EchoHandler:
    return EchoHandler()


async def start_app(
    settings: Settings,
    handler: TurnHandler,
    sessions: async_sessionmaker[AsyncSession],
    endpoints: TeamsEndpoints,
    **options: Any,
) -> tuple[TestClient[web.Request, web.Application], TeamsChannel]:
    app = web.Application()
    channel = setup_teams(
        app, handler, settings, sessions, endpoints=endpoints, retry=FAST_RETRY, **options
    )
    client: TestClient[web.Request, web.Application] = TestClient(
        TestServer(app, host="127.0.0.1", port=0)
    )
    await client.start_server()
    return client, channel


@pytest.fixture
async def secured(
    handler: EchoHandler,
    sessions: async_sessionmaker[AsyncSession],
    endpoints: TeamsEndpoints,
) -> AsyncIterator[tuple[TestClient[web.Request, web.Application], TeamsChannel]]:
    client, channel = await start_app(make_settings(), handler, sessions, endpoints)
    yield client, channel
    await client.close()


@pytest.fixture
async def open_app(
    handler: EchoHandler,
    sessions: async_sessionmaker[AsyncSession],
    endpoints: TeamsEndpoints,
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    settings = make_settings(teams_app_id="", teams_app_password="", teams_tenant_id="")
    client, _channel = await start_app(settings, handler, sessions, endpoints)
    yield client
    await client.close()
