"""``MELDWIJZER_SMTP_SECURITY=none`` is for a relay on this machine. Production refuses it
altogether (``bot.preflight``); outside production it still never sends the SMTP password
unencrypted over the network: with a login, only a loopback host may go without TLS."""

from __future__ import annotations

import pytest

from adapters.email import SmtpConfig
from bot.errors import ConfigError
from bot.settings import Settings

PLAIN = {"smtp_security": "none", "smtp_from": "meldwijzer@gemeente.example"}


def settings(**values: object) -> Settings:
    return Settings(**{**PLAIN, **values})  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["mail.gemeente.example", "10.0.0.25", "::ffff:10.0.0.25"])
def test_a_password_is_never_sent_in_the_clear_to_another_host(host: str) -> None:
    with pytest.raises(ConfigError, match="MELDWIJZER_SMTP_SECURITY") as raised:
        SmtpConfig.from_settings(settings(smtp_host=host, smtp_user="u", smtp_password="s3cret"))
    assert "s3cret" not in str(raised.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_a_local_relay_may_take_a_login_without_tls(host: str) -> None:
    config = SmtpConfig.from_settings(settings(smtp_host=host, smtp_user="u", smtp_password="p"))
    assert (config.security, config.username) == ("none", "u")


def test_without_a_login_any_relay_may_go_without_tls() -> None:
    assert SmtpConfig.from_settings(settings(smtp_host="relay.example")).security == "none"
