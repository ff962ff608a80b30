"""The admin's digest address and the notices' sender are one plain address each, checked
when the settings are read: a second address or a line break there would reach the From/To
header and the SMTP envelope of every notice."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError
from bot.settings import load_settings

ODD = [
    "admin@example.org, spy@evil.example",
    "admin@example.org\r\nBcc: spy@evil.example",
    "Meldwijzer <admin@example.org>",
    "admin@example.org>\r\nRCPT TO:<spy@evil.example",
    "a" * 250 + "@example.org",
]


@pytest.mark.parametrize("field", ["admin_email", "smtp_from"])
@pytest.mark.parametrize("value", ODD)
def test_an_odd_notice_address_is_one_clear_line(field: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"MELDWIJZER_{field.upper()}") as raised:
        load_settings(**{field: value})
    assert "spy" not in str(raised.value)


@pytest.mark.parametrize("field", ["admin_email", "smtp_from"])
def test_a_plain_address_is_kept_and_an_empty_one_is_none(
    field: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert getattr(load_settings(**{field: " admin@example.org "}), field) == "admin@example.org"
    monkeypatch.setenv(f"MELDWIJZER_{field.upper()}", "")
    assert getattr(load_settings(), field) is None
