"""The short code an admin sees in ``outbox list`` keeps what the e-mail channel said (the
SMTP reply code, ``tls_failed``, ``unreachable``) and still nothing of the address."""

from __future__ import annotations

import ssl

import aiosmtplib
import pytest

from adapters.email.channel import delivery_error
from bot.errors import DeliveryError
from bot.outbox.failures import failure_of

ADDRESS = "jan_de_vries@example.org"


@pytest.mark.parametrize(
    ("raised", "code", "retryable"),
    [
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(550, f"5.1.1 <{ADDRESS}> unknown", ADDRESS)]
            ),
            "email smtp_550",
            False,
        ),
        (aiosmtplib.SMTPResponseException(535, "5.7.8 bad credentials"), "email smtp_535", False),
        (aiosmtplib.SMTPResponseException(421, f"{ADDRESS} try later"), "email smtp_421", True),
        (aiosmtplib.SMTPConnectError(f"cannot reach {ADDRESS}"), "email unreachable", True),
        (ssl.SSLCertVerificationError("certificate verify failed"), "email tls_failed", True),
        (aiosmtplib.SMTPTimeoutError("timed out"), "email timeout", True),
    ],
)
def test_the_email_channels_code_reaches_last_error(
    raised: Exception, code: str, retryable: bool
) -> None:
    failure = failure_of("email", delivery_error(raised))  # type: ignore[arg-type]
    assert (failure.code, failure.retryable) == (code, retryable)
    assert "jan" not in failure.code and "example" not in failure.code


@pytest.mark.parametrize(
    "text",
    [
        f"email {ADDRESS}",
        "email jan.de.vries",
        "email Jan",
        "teams refused: ask jan_de_vries",
        "email smtp_550 jan_de_vries",
    ],
)
def test_an_own_code_is_one_lowercase_token_after_the_channel_name(text: str) -> None:
    failure = failure_of("email", DeliveryError(text, retryable=False))
    assert "jan" not in failure.code.lower() and "example" not in failure.code
