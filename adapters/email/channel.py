"""The e-mail notice channel: one SMTP session per notice, errors mapped to retry or give up.

Security modes (``MELDWIJZER_SMTP_SECURITY``):

* ``starttls`` (default): plain connect, then ``STARTTLS`` is *required*; a server that does
  not offer it gets nothing, so a man in the middle who strips the offer cannot downgrade the
  session (aiosmtplib's ``start_tls=None`` would quietly go on in the clear);
* ``tls``: TLS from the first byte (RFC 8314 "implicit TLS", port 465 by default);
* ``none``: no encryption, for a local relay or a test server in development only;
  ``bot.preflight`` refuses it in production.

The server's certificate is always checked, host name included. ``MELDWIJZER_SMTP_CA_FILE``
replaces the system's trust store by one private CA (``ssl.create_default_context`` loads
the default certificates only when no CA file is given), so only that CA is trusted.

Errors (RFC 5321 section 4.2.1: 4yz is transient, 5yz permanent): a 4xx reply, a timeout, a
refused or dropped connection or a failed TLS handshake is retryable; a 5xx reply (550 unknown
mailbox, 535 bad login, 553 sender refused) is not, so the outbox marks the notice dead at
once. The detail is a short code: never the address, never the server's reply text (which
often repeats the address), and the SMTP error is not chained, so no traceback carries it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import aiosmtplib

from adapters.email.message import notice_email
from bot.errors import ConfigError, DeliveryError
from bot.outbox.port import EMAIL, Notice
from bot.settings import Settings

Security = Literal["starttls", "tls", "none"]
# The port a mode is served on unless MELDWIJZER_SMTP_PORT says otherwise: message
# submission (RFC 6409), submission over implicit TLS (RFC 8314 section 3.3), plain SMTP.
DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "tls": 465, "none": 25}


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    security: Security = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0  # for the whole session, connect to QUIT
    ca_file: Path | None = None
    # Sent in EHLO (RFC 5321 section 4.1.1.1: the client's domain); never socket.getfqdn(),
    # which may ask DNS about this machine on every send.
    local_hostname: str = "localhost"

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        """Raises ConfigError when SMTP is half configured."""
        if not settings.smtp_host:
            raise ConfigError("MELDWIJZER_SMTP_HOST is not set, so there is no e-mail channel")
        if not settings.smtp_from:
            raise ConfigError("MELDWIJZER_SMTP_FROM is needed to send notices by e-mail")
        security = settings.smtp_security
        if security == "none" and settings.smtp_user and not _loopback(settings.smtp_host):
            # aiosmtplib logs in over a plain connection as readily as over TLS.
            raise ConfigError(
                "MELDWIJZER_SMTP_SECURITY=none would send the SMTP password unencrypted to "
                "another machine; use starttls or tls (none is for a relay on this machine)"
            )
        explicit = "smtp_port" in settings.model_fields_set
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port if explicit else DEFAULT_PORTS[security],
            sender=settings.smtp_from,
            security=security,
            username=settings.smtp_user or None,
            password=password,
            timeout=settings.smtp_timeout_seconds,
            ca_file=settings.smtp_ca_file,
            local_hostname=urlsplit(settings.public_url or "").hostname or "localhost",
        )


def _loopback(host: str) -> bool:
    """This machine: ``localhost`` or a loopback address (no DNS is asked)."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Certificate and host name checked, TLS 1.2 or newer (the default context's minimum)."""
    try:
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"MELDWIJZER_SMTP_CA_FILE cannot be used: {exc.strerror or exc}"
        ) from None


class EmailChannel:
    """Implements ``bot.outbox.port.NoticeChannel`` over SMTP; the address is an e-mail address."""

    name = EMAIL

    def __init__(
        self, config: SmtpConfig, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._config = config
        self._clock = clock
        self._tls = tls_context(config.ca_file) if config.security != "none" else None

    @classmethod
    def from_settings(cls, settings: Settings) -> EmailChannel:
        return cls(SmtpConfig.from_settings(settings))

    async def deliver(self, address: str, notice: Notice) -> None:
        config = self._config
        try:
            message = bytes(
                notice_email(notice, sender=config.sender, recipient=address, sent_at=self._clock())
            )
        except (ValueError, UnicodeError):
            raise DeliveryError("email bad_address", retryable=False) from None
        try:
            async with asyncio.timeout(config.timeout):
                await aiosmtplib.send(
                    message,
                    sender=config.sender,
                    recipients=[address],
                    hostname=config.host,
                    port=config.port,
                    username=config.username,
                    password=config.password,
                    local_hostname=config.local_hostname,
                    timeout=config.timeout,
                    use_tls=config.security == "tls",
                    start_tls=config.security == "starttls",
                    tls_context=self._tls,
                )
        except (aiosmtplib.SMTPException, OSError, TimeoutError, ValueError) as exc:
            raise delivery_error(exc) from None


def delivery_error(
    exc: aiosmtplib.SMTPException | OSError | TimeoutError | ValueError,
) -> DeliveryError:
    """The outbox's view of an SMTP failure: a short code, and whether to try again."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in exc.recipients]
        return _reply_error(max(codes) if codes else 550)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return _reply_error(exc.code)
    if isinstance(exc, TimeoutError):  # also aiosmtplib.SMTPTimeoutError
        return DeliveryError("email timeout")
    if isinstance(exc, ssl.SSLError) or isinstance(exc.__cause__, ssl.SSLError):
        # A refused certificate (aiosmtplib wraps it in SMTPConnectError for implicit TLS).
        return DeliveryError("email tls_failed")
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        # e.g. a non-ASCII address and a server without SMTPUTF8: no retry will change that.
        return DeliveryError("email not_supported", retryable=False)
    if isinstance(exc, aiosmtplib.SMTPConnectError | aiosmtplib.SMTPServerDisconnected):
        return DeliveryError("email unreachable")
    if isinstance(exc, aiosmtplib.SMTPException) and "STARTTLS" in exc.message:
        # Required but not offered (aiosmtplib's SMTP.starttls): a misconfigured server or a
        # stripped offer; worth another try, and the admin sees why in the outbox list.
        return DeliveryError("email starttls_missing")
    if isinstance(exc, aiosmtplib.SMTPException):
        return DeliveryError("email smtp_error")
    if isinstance(exc, OSError):
        return DeliveryError("email unreachable")
    # aiosmtplib's ValueError: an address it cannot send safely.
    return DeliveryError("email bad_address", retryable=False)


def _reply_error(code: int) -> DeliveryError:
    return DeliveryError(f"email smtp_{code}", retryable=not 500 <= code < 600)
