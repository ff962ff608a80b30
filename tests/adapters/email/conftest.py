"""The far side of the wire for e-mail: an aiosmtpd server on 127.0.0.1, port 0, in this loop.

``Mailbox`` is the server's handler: it records every message it accepts (with whether the
session was encrypted and logged in) and refuses the recipients a test lists, with the reply
a real server gives (RFC 5321 section 4.2.2: 550 mailbox unavailable, 450 try again later).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from .pki import TestCa

SMTP_USER, SMTP_PASSWORD = "meldwijzer", "smtp-password-for-tests"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    encrypted: bool
    logged_in: bool


@dataclass
class Mailbox:
    received: list[Received] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # address -> SMTP reply

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refused:
            return self.refused[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(
            Received(
                mail_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                message=parsed,
                encrypted=server.transport is not None
                and server.transport.get_extra_info("ssl_object") is not None,
                logged_in=bool(session.authenticated),
            )
        )
        return "250 Message accepted for delivery"


def check_login(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (SMTP_USER, SMTP_PASSWORD)
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


@dataclass
class SmtpServer:
    mailbox: Mailbox
    port: int


StartServer = Callable[..., Awaitable[SmtpServer]]


@pytest.fixture
def ca(tmp_path: Path) -> TestCa:
    return TestCa(tmp_path / "pki")


@pytest.fixture
async def start_smtp() -> AsyncIterator[StartServer]:
    """``await start_smtp(starttls=ctx | None, implicit=ctx | None)``: a listening server.

    With ``starttls`` the server offers STARTTLS and refuses mail before it; logging in is
    offered only over TLS (aiosmtpd's ``auth_require_tls``), as a real submission server does.
    """
    servers: list[asyncio.Server] = []

    async def start(**options: Any) -> SmtpServer:
        loop = asyncio.get_running_loop()
        mailbox = Mailbox()
        starttls = options.get("starttls")

        def protocol() -> SMTP:
            return SMTP(
                mailbox,
                hostname="localhost",
                tls_context=starttls,
                require_starttls=starttls is not None,
                authenticator=check_login,
                auth_require_tls=True,
                loop=loop,
            )

        server = await loop.create_server(
            protocol, host="127.0.0.1", port=0, ssl=options.get("implicit")
        )
        servers.append(server)
        return SmtpServer(mailbox, server.sockets[0].getsockname()[1])

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()
