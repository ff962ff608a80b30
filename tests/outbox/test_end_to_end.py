"""Notices end to end through the served app: a signal left in the web chat reaches the
adviser's Teams chat (the fake Bot Connector) and mailbox (aiosmtpd over STARTTLS with a CA
made in the test), sent by the app's own outbox worker, composer and channels.

The notice says that there is something new and where to open it; the canary words of the
signal (its text, its unit, the reporter's contact) must not reach either receiver.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from adapters.teams import TeamsEndpoints
from bot import migrate
from bot.app import NOTICE_CHANNELS, SERVICES, Services, create_app, prepare_database
from bot.conversation import utc_now
from bot.delivery import NoticeTasks
from bot.outbox.log_channel import NOTICE_LOGGER
from bot.outbox.models import NOTICE, SENT, DeliveryItemRow, DeliveryRow
from bot.outbox.store import utc
from bot.settings import WEEK_DAYS, Settings
from bot.signals.registry import NewAdviser
from tests.adapters.email.conftest import (
    SMTP_PASSWORD,
    SMTP_USER,
    SmtpServer,
    StartServer,
    ca,
    start_smtp,
)
from tests.adapters.email.pki import TestCa
from tests.adapters.teams.conftest import (
    APP_ID,
    SDK_WARNINGS,
    TENANT_ID,
    connector,
    endpoints,
    openid,
    signing_key,
)
from tests.adapters.teams.fakes import FakeConnector
from tests.conftest import TEST_KDF
from tests.crash.webchat_reporter import RECEIPT, WebchatReporter
from tests.signals.conftest import PASSPHRASE, POSTGRES_URL, empty_postgres

# The fakes' fixtures, used here by name.
__all__ = ["ca", "connector", "endpoints", "openid", "signing_key", "start_smtp"]
pytestmark = [pytest.mark.filterwarnings(rule) for rule in SDK_WARNINGS]

Client = TestClient[web.Request, web.Application]
ADVISER_AAD = "0b7c5d1e-3f2a-4e6b-9c8d-7a6f5e4d3c2b"
ADVISER_EMAIL = "vertrouwenspersoon@gemeente.example"
SENDER = "meldwijzer@gemeente.example"
UNIT = "Kwartelkoningdienst"
# Canary words: none of them may appear in anything a receiver gets.
WHAT = "Okapibrug pimpernelvoorval zwaluwstaartgesprek Ribbelkwast-4411"
HOPE = "Mosterdveldje luchtballonrust"
CONTACT = "tuinkabouter-9c1e@voorbeeld.test"
ADDED = "Kruidnotenkast nachtvlinderraam"
CANARIES = (*WHAT.split(), *HOPE.split(), CONTACT, UNIT, *ADDED.split())
WAIT_SECONDS = 60.0  # an upper bound on a loaded machine; a passing run takes a second or two


def quiet_weekday() -> str:
    """Tomorrow's weekday as the only notice day: no digest is due today, so the receivers
    get notices only (fixed notice times fall tomorrow or later; NOTICE_EVERY_SECONDS
    ignores the days)."""
    tomorrow = utc_now().astimezone(Settings().zone) + timedelta(days=1)
    return WEEK_DAYS[tomorrow.weekday()]


def app_settings(tmp_path: Path, smtp: SmtpServer, ca: TestCa, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "demo_adviser": False,
        "teams_app_id": APP_ID,
        "teams_app_password": "s3cret",
        "teams_tenant_id": TENANT_ID,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "smtp_from": SENDER,
        "smtp_user": SMTP_USER,
        "smtp_password": SMTP_PASSWORD,
        "smtp_security": "starttls",
        "smtp_ca_file": ca.ca_file,
        "smtp_timeout_seconds": 10.0,
        "notice_days": quiet_weekday(),
        **TEST_KDF,
        **overrides,
    }
    return Settings(**values)


@dataclass
class Served:
    client: Client
    services: Services
    connector: FakeConnector
    smtp: SmtpServer
    reporter: WebchatReporter

    def teams_texts(self) -> list[str]:
        """The messages the fake Bot Connector accepted (a refused call has no reply id)."""
        calls = self.connector.sent()
        return [str(call.body["text"]) for call in calls if call.reply_id is not None]

    def mails(self) -> list[str]:
        """Every accepted e-mail: its headers and its decoded body (quoted-printable may
        break a long line inside a word)."""
        return [
            "\n".join(f"{name}: {value}" for name, value in received.message.items())
            + "\n"
            + received.message.get_content()
            for received in self.smtp.mailbox.received
        ]

    async def deliveries(self) -> list[DeliveryRow]:
        async with self.services.sessions() as db:
            query = select(DeliveryRow).order_by(DeliveryRow.next_attempt_at)
            return list((await db.execute(query)).scalars())


ServeApp = Callable[..., Any]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, str]]:
    """The app's database settings: its own SQLite file, or the test PostgreSQL emptied."""
    if request.param == "sqlite":
        yield {}
        return
    await empty_postgres()
    yield {"database_url": POSTGRES_URL}
    await empty_postgres()


@pytest.fixture
async def serve(
    database: dict[str, str],
    tmp_path: Path,
    start_smtp: StartServer,
    ca: TestCa,
    connector: FakeConnector,
    endpoints: TeamsEndpoints,
) -> AsyncIterator[ServeApp]:
    """``await serve(**settings)``: the whole app on 127.0.0.1 with its lifetime tasks, one
    enrolled adviser with a Teams id, a unit and an e-mail address, and a reporter."""
    clients: list[Client] = []

    async def start(**overrides: Any) -> Served:
        smtp = await start_smtp(starttls=ca.issue())
        settings = app_settings(tmp_path, smtp, ca, **database, **overrides)
        app = create_app(settings, teams_endpoints=endpoints)
        services = app[SERVICES]
        if database:
            await migrate.upgrade(services.engine)  # a shared database is upgraded on purpose
        await prepare_database(services)
        registry = services.signals.registry
        adviser = await registry.add(
            NewAdviser(
                name="Adviseur Noord",
                units=(UNIT,),
                teams_id=ADVISER_AAD,
                email=ADVISER_EMAIL,
            )
        )
        await registry.enrol(adviser.id, PASSPHRASE)
        client: Client = TestClient(TestServer(app, host="127.0.0.1", port=0))
        await client.start_server()
        clients.append(client)
        reporter = WebchatReporter(client.session, str(client.make_url("")).rstrip("/"))
        return Served(client, services, connector, smtp, reporter)

    yield start
    for client in clients:
        await client.close()


async def leave_named_signal(reporter: WebchatReporter, *, units: bool = True) -> str:
    """A named signal with a contact and (where advisers name units) a unit, through the web
    chat API; its receipt."""
    token = await reporter.start()
    await reporter.say(token, {"action": "topic:signal"})
    replies = await reporter.say(token, {"action": "signal:mode:named"})
    [form] = [reply["form"] for reply in replies if reply["form"]]
    asked = {"unit", "contact"} if units else {"contact"}
    assert asked <= {field["name"] for field in form["fields"]}, form
    data = {"what": WHAT, "role": "witness", "contact": CONTACT, "hope": HOPE}
    data |= {"unit": UNIT} if units else {}
    replies = await reporter.say(token, {"form": "signal:intake", "data": data})
    found = [RECEIPT.search(r["text"]) for r in replies if r["sensitive"]]
    assert found and found[0] is not None, [r["text"][:80] for r in replies]
    return found[0].group(1)


async def follow_up(reporter: WebchatReporter, action: str, data: dict[str, str]) -> str:
    token = await reporter.start()
    await reporter.say(token, {"action": "topic:follow-up"})
    await reporter.say(token, {"action": f"follow-up:{action}"})
    replies = await reporter.say(token, {"form": f"follow-up:{action}", "data": data})
    return "\n".join(reply["text"] for reply in replies)


async def eventually(condition: Callable[[], bool], what: str) -> None:
    """Wait for the app's own tasks to do something; the bound only ends a hung run."""
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.05)


async def settled(served: Served) -> list[DeliveryRow]:
    """The outbox rows once every one is sent: the worker records a round's sent notices
    after it has sent them all, so a receiver may have one a moment before the row says so."""
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while True:
        rows = await served.deliveries()
        if all(row.status == SENT for row in rows):
            return rows
        assert asyncio.get_running_loop().time() < deadline, [row.status for row in rows]
        await asyncio.sleep(0.05)


def assert_no_canary(texts: list[str]) -> None:
    for text in texts:
        folded = text.casefold()
        leaked = [word for word in CANARIES if word.casefold() in folded]
        assert not leaked, f"signal words in a notice: {leaked}"


def our_log(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every line the app's process logged; not the fake mail server's own log."""
    return [record.getMessage() for record in caplog.records if record.name != "mail.log"]


def message_ids(served: Served) -> list[str]:
    return [str(received.message["Message-ID"]) for received in served.smtp.mailbox.received]


async def test_a_signal_and_a_later_message_reach_teams_and_mail_by_the_lifetime_worker(
    serve: ServeApp, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # what `meldwijzer serve` prints
    # Notices every second instead of at 09:00 and 14:00, as `make run` does.
    monkeypatch.setenv("MELDWIJZER_NOTICE_EVERY_SECONDS", "1")
    served: Served = await serve(outbox_poll_seconds=0.1)
    assert served.services.settings.notice_every_seconds == 1

    receipt = await leave_named_signal(served.reporter)
    await eventually(
        lambda: len(served.teams_texts()) == 1 and len(served.smtp.mailbox.received) == 1,
        "the first notice in Teams and by e-mail",
    )
    [teams] = served.teams_texts()
    assert teams.startswith("**Nieuw op je bureau in Meldwijzer**\n\n")
    assert "Er staat 1 nieuw punt op je bureau" in teams
    assert f"https://teams.microsoft.com/l/chat/0/0?users=28:{APP_ID}" in teams
    [mail] = served.smtp.mailbox.received
    assert mail.encrypted and mail.logged_in
    assert mail.rcpt_tos == [ADVISER_EMAIL]
    assert mail.message["Subject"] == "Nieuw op je bureau in Meldwijzer"
    assert "Er staat 1 nieuw punt op je bureau" in mail.message.get_content()

    # The reporter adds a message later: one new notice on each channel, for that one thing.
    added = await follow_up(served.reporter, "add", {"code": receipt, "text": ADDED})
    assert ADDED not in added
    await eventually(
        lambda: len(served.teams_texts()) == 2 and len(served.smtp.mailbox.received) == 2,
        "the notice of the added message",
    )
    rows = await settled(served)
    assert len(rows) == 4  # nothing more is on its way
    assert {row.kind for row in rows} == {NOTICE}
    assert all("Er staat 1 nieuw punt op je bureau" in text for text in served.teams_texts())
    keys = {f"<{row.idempotency_key}@meldwijzer>" for row in rows if row.channel == "email"}
    assert set(message_ids(served)) == keys and len(keys) == 2
    assert served.connector.created == 1  # one chat with the adviser, both notices in it

    assert_no_canary(served.teams_texts())
    assert_no_canary(served.mails())
    # Nor is anything of it in the outbox's own rows, or in any log line of the process.
    assert_no_canary([repr(vars(row)) for row in rows])
    assert_no_canary(our_log(caplog))
    assert not [line for line in our_log(caplog) if receipt in line]


async def test_a_signal_deleted_before_the_notice_time_gives_no_notice(serve: ServeApp) -> None:
    # The lifetime worker takes one round at start and then waits an hour; this test drives
    # the app's own worker and channels with a clock at the notice time instead.
    served: Served = await serve(outbox_poll_seconds=3600)
    receipt = await leave_named_signal(served.reporter)
    rows = await served.deliveries()
    assert sorted(row.channel for row in rows) == ["email", "teams"]
    [slot] = {row.next_attempt_at for row in rows}
    app = served.client.server.app
    settings = served.services.settings
    tasks = NoticeTasks.build(
        settings, served.services.sessions, served.services.signals.outbox, app[NOTICE_CHANNELS]
    )
    assert (await tasks.worker.run_once(utc(slot) - timedelta(seconds=1))).claimed == 0

    deleted = await follow_up(served.reporter, "delete", {"code": receipt, "confirm": "yes"})
    assert "verwijderd" in deleted, deleted
    done = await tasks.worker.run_once(utc(slot))

    assert done.claimed == 0  # the delete took its notices along: nothing left to send
    assert await served.deliveries() == []
    assert served.teams_texts() == [] and served.smtp.mailbox.received == []
    assert served.connector.calls == []  # not even a token was asked for
    async with served.services.sessions() as db:
        assert (await db.execute(select(DeliveryItemRow))).scalars().all() == []


async def test_a_signal_and_a_message_before_the_notice_time_make_one_notice(
    serve: ServeApp,
) -> None:
    served: Served = await serve(outbox_poll_seconds=3600)  # driven by the test's clock
    receipt = await leave_named_signal(served.reporter)
    await follow_up(served.reporter, "add", {"code": receipt, "text": ADDED})
    rows = await served.deliveries()
    assert sorted(row.channel for row in rows) == ["email", "teams"]  # the same two rows
    [slot] = {utc(row.next_attempt_at) for row in rows}
    tasks = NoticeTasks.build(
        served.services.settings,
        served.services.sessions,
        served.services.signals.outbox,
        served.client.server.app[NOTICE_CHANNELS],
    )

    assert (await tasks.worker.run_once(slot)).sent == 2
    [teams] = served.teams_texts()
    [mail] = served.smtp.mailbox.received
    assert "Er staan 2 nieuwe punten op je bureau" in teams
    assert "Er staan 2 nieuwe punten op je bureau" in mail.message.get_content()
    assert_no_canary([teams, *served.mails()])
    assert (await tasks.worker.run_once(slot + timedelta(days=1))).claimed == 0


async def test_the_demo_adviser_hears_of_a_signal_in_the_serve_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Development as `make run` starts it: the seeded demo adviser, no Teams app, no SMTP."""
    monkeypatch.setenv("MELDWIJZER_NOTICE_EVERY_SECONDS", "1")
    settings = Settings(
        data_dir=tmp_path / "data",
        outbox_poll_seconds=0.1,
        notice_days=quiet_weekday(),
        **TEST_KDF,  # type: ignore[arg-type]
    )
    caplog.set_level(logging.INFO)  # what `meldwijzer serve` prints
    client: Client = TestClient(TestServer(create_app(settings), host="127.0.0.1", port=0))
    await client.start_server()
    try:
        reporter = WebchatReporter(client.session, str(client.make_url("")).rstrip("/"))
        receipt = await leave_named_signal(reporter, units=False)

        def notices() -> list[str]:
            return [r.getMessage() for r in caplog.records if r.name == NOTICE_LOGGER]

        await eventually(lambda: len(notices()) == 1, "the notice in the serve log")
    finally:
        await client.close()
    [line] = notices()
    assert "Nieuw op je bureau in Meldwijzer" in line and "1 nieuw punt" in line
    assert_no_canary(our_log(caplog))
    assert not [line for line in our_log(caplog) if receipt in line]
