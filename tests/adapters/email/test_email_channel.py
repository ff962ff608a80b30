"""E-mail notices received by a local aiosmtpd server, over STARTTLS, implicit TLS and plain."""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from adapters.email import EmailChannel, SmtpConfig
from bot.errors import ConfigError, DeliveryError
from bot.outbox.port import EMAIL, Notice
from bot.settings import Settings

from .conftest import SMTP_PASSWORD, SMTP_USER, StartServer
from .pki import TestCa

ADDRESS = "adviseur@gemeente.example"
SENDER = "meldwijzer@gemeente.example"
SENT_AT = datetime(2026, 3, 2, 13, 0, 7, tzinfo=UTC)
NOTICE = Notice(
    key="3f" * 32,
    lang="nl",
    subject="Er staan 2 nieuwe dingen op je bureau in Meldwijzer",
    body="Er staan 2 nieuwe dingen op je bureau.\nOpen Meldwijzer: meldwijzer adviser inbox ella",
    link="meldwijzer adviser inbox ella",
)


def channel(port: int, ca: TestCa | None, **overrides: object) -> EmailChannel:
    config = SmtpConfig(
        host="127.0.0.1",
        port=port,
        sender=SENDER,
        ca_file=ca.ca_file if ca else None,
        timeout=5.0,
    )
    return EmailChannel(replace(config, **overrides), clock=lambda: SENT_AT)  # type: ignore[arg-type]


async def test_starttls_notice_arrives_as_the_notice_and_nothing_else(
    start_smtp: StartServer, ca: TestCa
) -> None:
    server = await start_smtp(starttls=ca.issue())
    sender = channel(server.port, ca, username=SMTP_USER, password=SMTP_PASSWORD)
    await sender.deliver(ADDRESS, NOTICE)
    [received] = server.mailbox.received
    assert received.encrypted and received.logged_in
    assert (received.mail_from, received.rcpt_tos) == (SENDER, [ADDRESS])
    message = received.message
    assert message["Message-ID"] == f"<{NOTICE.key}@meldwijzer>"
    assert message["From"] == SENDER and message["To"] == ADDRESS
    assert message["Subject"] == NOTICE.subject
    assert parsedate_to_datetime(message["Date"]) == SENT_AT
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "nl"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n").strip() == NOTICE.body
    assert not message.is_multipart()
    assert sender.name == EMAIL


async def test_implicit_tls_notice_arrives(start_smtp: StartServer, ca: TestCa) -> None:
    server = await start_smtp(implicit=ca.issue())
    settings = Settings(
        smtp_host="127.0.0.1",
        smtp_port=server.port,
        smtp_from=SENDER,
        smtp_security="tls",
        smtp_ca_file=ca.ca_file,
    )  # type: ignore[arg-type]
    await EmailChannel.from_settings(settings).deliver(ADDRESS, NOTICE)
    [received] = server.mailbox.received
    assert received.encrypted
    assert received.message["Message-ID"] == f"<{NOTICE.key}@meldwijzer>"


async def test_a_retried_notice_is_the_same_message(start_smtp: StartServer, ca: TestCa) -> None:
    server = await start_smtp(starttls=ca.issue())
    sender = channel(server.port, ca)
    await sender.deliver(ADDRESS, NOTICE)
    await sender.deliver(ADDRESS, NOTICE)
    ids = {received.message["Message-ID"] for received in server.mailbox.received}
    assert ids == {f"<{NOTICE.key}@meldwijzer>"}


async def test_non_ascii_text_survives(start_smtp: StartServer, ca: TestCa) -> None:
    server = await start_smtp(starttls=ca.issue())
    notice = replace(NOTICE, subject="Één nieuw ding op je bureau", body="Open je bureau — tot zo")
    await channel(server.port, ca).deliver(ADDRESS, notice)
    [received] = server.mailbox.received
    assert received.message["Subject"] == notice.subject
    assert received.message.get_content().strip() == notice.body


async def test_plain_smtp_works_in_development(start_smtp: StartServer) -> None:
    server = await start_smtp()
    settings = Settings(
        smtp_host="127.0.0.1", smtp_port=server.port, smtp_from=SENDER, smtp_security="none"
    )  # type: ignore[arg-type]
    await EmailChannel.from_settings(settings).deliver(ADDRESS, NOTICE)
    [received] = server.mailbox.received
    assert not received.encrypted
    assert received.message["Message-ID"] == f"<{NOTICE.key}@meldwijzer>"


async def test_starttls_is_required_not_hoped_for(start_smtp: StartServer, ca: TestCa) -> None:
    server = await start_smtp()  # offers no STARTTLS, as after a downgrade attack
    with pytest.raises(DeliveryError) as raised:
        await channel(server.port, ca).deliver(ADDRESS, NOTICE)
    assert raised.value.retryable is True
    assert str(raised.value) == "email starttls_missing"
    assert server.mailbox.received == []  # nothing went out in the clear


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_a_certificate_from_another_ca_is_refused(
    start_smtp: StartServer, ca: TestCa, tmp_path: Path, security: str
) -> None:
    stranger = TestCa(tmp_path / "stranger", name="Someone Else's CA")
    context = stranger.issue()
    server = await start_smtp(**{"starttls" if security == "starttls" else "implicit": context})
    with pytest.raises(DeliveryError) as raised:
        await channel(server.port, ca, security=security).deliver(ADDRESS, NOTICE)
    assert raised.value.retryable is True
    assert str(raised.value) == "email tls_failed"
    assert server.mailbox.received == []


async def test_a_certificate_for_another_host_is_refused(
    start_smtp: StartServer, ca: TestCa
) -> None:
    server = await start_smtp(starttls=ca.issue(host="mail.elsewhere.example"))
    with pytest.raises(DeliveryError) as raised:
        await channel(server.port, ca).deliver(ADDRESS, NOTICE)
    assert str(raised.value) == "email tls_failed"
    assert server.mailbox.received == []


async def test_unknown_mailbox_is_final_and_the_address_is_nowhere(
    start_smtp: StartServer, ca: TestCa, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = await start_smtp(starttls=ca.issue())
    server.mailbox.refused[ADDRESS] = f"550 5.1.1 <{ADDRESS}>: Recipient address rejected"
    with pytest.raises(DeliveryError) as raised:
        await channel(server.port, ca).deliver(ADDRESS, NOTICE)
    assert raised.value.retryable is False
    assert str(raised.value) == "email smtp_550"
    shown = "".join(traceback.format_exception(raised.value))
    ours = [r.getMessage() for r in caplog.records if r.name != "mail.log"]  # not the server's
    assert "adviseur" not in shown and not any("adviseur" in line for line in ours)
    assert server.mailbox.received == []


async def test_a_full_mailbox_is_tried_again_later(start_smtp: StartServer, ca: TestCa) -> None:
    server = await start_smtp(starttls=ca.issue())
    server.mailbox.refused[ADDRESS] = "452 4.2.2 Mailbox full, try again later"
    with pytest.raises(DeliveryError) as raised:
        await channel(server.port, ca).deliver(ADDRESS, NOTICE)
    assert raised.value.retryable is True
    assert str(raised.value) == "email smtp_452"


async def test_a_wrong_password_is_final(start_smtp: StartServer, ca: TestCa) -> None:
    server = await start_smtp(starttls=ca.issue())
    sender = channel(server.port, ca, username=SMTP_USER, password="wrong")
    with pytest.raises(DeliveryError) as raised:
        await sender.deliver(ADDRESS, NOTICE)
    assert raised.value.retryable is False
    assert str(raised.value) == "email smtp_535"


async def test_server_down_is_retryable(ca: TestCa) -> None:
    closed = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = closed.sockets[0].getsockname()[1]
    closed.close()
    await closed.wait_closed()
    with pytest.raises(DeliveryError) as raised:
        await channel(port, ca).deliver(ADDRESS, NOTICE)
    assert raised.value.retryable is True
    assert str(raised.value) == "email unreachable"


@pytest.fixture
async def silent_port() -> AsyncIterator[int]:
    """Accepts the connection and never greets: a server that hangs."""
    writers: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in writers:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_a_hanging_server_is_a_retryable_timeout(silent_port: int, ca: TestCa) -> None:
    with pytest.raises(DeliveryError) as raised:
        await channel(silent_port, ca, timeout=0.2).deliver(ADDRESS, NOTICE)
    assert raised.value.retryable is True
    assert str(raised.value) == "email timeout"


async def test_an_address_with_a_line_break_sends_nothing(
    start_smtp: StartServer, ca: TestCa
) -> None:
    server = await start_smtp(starttls=ca.issue())
    with pytest.raises(DeliveryError) as raised:
        await channel(server.port, ca).deliver(f"{ADDRESS}\r\nBcc: other@example.org", NOTICE)
    assert raised.value.retryable is False
    assert server.mailbox.received == []


def test_settings_give_the_config_and_the_port_follows_the_security() -> None:
    base = {"smtp_host": "mail.example", "smtp_from": SENDER}
    assert SmtpConfig.from_settings(Settings(**base)).port == 587  # type: ignore[arg-type]
    implicit = SmtpConfig.from_settings(Settings(**base, smtp_security="tls"))  # type: ignore[arg-type]
    assert implicit.port == 465
    given = SmtpConfig.from_settings(Settings(**base, smtp_security="tls", smtp_port=2465))  # type: ignore[arg-type]
    assert given.port == 2465
    named = SmtpConfig.from_settings(
        Settings(**base, public_url="https://meldwijzer.gemeente.example/")  # type: ignore[arg-type]
    )
    assert named.local_hostname == "meldwijzer.gemeente.example"
    secret = SmtpConfig.from_settings(Settings(**base, smtp_password="hunter2"))  # type: ignore[arg-type]
    assert secret.password == "hunter2" and "hunter2" not in repr(secret)


def test_half_configured_smtp_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MELDWIJZER_SMTP_FROM"):
        EmailChannel.from_settings(Settings(smtp_host="mail.example"))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="MELDWIJZER_SMTP_CA_FILE"):
        EmailChannel.from_settings(
            Settings(smtp_host="mail.example", smtp_from=SENDER, smtp_ca_file=tmp_path / "nope")  # type: ignore[arg-type]
        )
