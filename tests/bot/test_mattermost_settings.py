"""The Mattermost settings: one clear line per problem, and what production refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.preflight import production_problems
from bot.settings import Settings, load_settings

TOKEN = "k3c9d8x1y7w5v4u3t2s1r0q9p8"


@pytest.fixture(autouse=True)
def _no_ca_from_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "MELDWIJZER_MATTERMOST_CA_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MELDWIJZER_MATTERMOST_URL", "chat.example.org"),
        ("MELDWIJZER_MATTERMOST_URL", "ftp://chat.example.org"),
        ("MELDWIJZER_MATTERMOST_URL", "https://chat.example.org/?x=1"),
        ("MELDWIJZER_MATTERMOST_CALLBACK_URL", "https://bot example"),
        ("MELDWIJZER_MATTERMOST_TOKEN", "abc def ghi jkl"),
        ("MELDWIJZER_MATTERMOST_TOKEN", "k3c9d8x1y7w5\r\nX-Evil: 1"),
        ("MELDWIJZER_MATTERMOST_COMMAND_TOKEN", "short"),
        ("MELDWIJZER_MATTERMOST_CA_FILE", "/nonexistent/ca.pem"),
        ("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem"),
        ("SSL_CERT_FILE", "/nonexistent/ca.pem"),
    ],
)
def test_broken_mattermost_settings_are_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    if variable.endswith(("CA_FILE", "CA_BUNDLE", "CERT_FILE")):
        monkeypatch.setenv("MELDWIJZER_MATTERMOST_URL", "https://chat.example.org")
        monkeypatch.setenv("MELDWIJZER_MATTERMOST_TOKEN", TOKEN)
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert f"{variable}:" in message and "\n" not in message
    assert "k3c9d8x1y7w5" not in message  # a token never reaches the error


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"])
@pytest.mark.parametrize("stale", ["/nonexistent/ca.pem", "a directory"])
def test_the_machines_stale_ca_variables_do_not_stop_a_bot_without_mattermost(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, stale: str
) -> None:
    # requests takes a directory here too; either way they are set for other programs.
    monkeypatch.setenv(variable, str(tmp_path) if stale == "a directory" else stale)
    settings = load_settings()
    assert not settings.mattermost_enabled
    assert settings.mattermost_ca_file is None


def test_addresses_lose_the_trailing_slash_and_callbacks_default_to_the_public_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MELDWIJZER_MATTERMOST_URL", "https://chat.example.org/")
    monkeypatch.setenv("MELDWIJZER_MATTERMOST_TOKEN", TOKEN)
    monkeypatch.setenv("MELDWIJZER_PUBLIC_URL", "https://bot.example.org/")
    settings = load_settings()
    assert settings.mattermost_url == "https://chat.example.org"
    assert settings.mattermost_enabled
    assert settings.mattermost_callbacks == "https://bot.example.org"
    monkeypatch.setenv("MELDWIJZER_MATTERMOST_CALLBACK_URL", "https://inside.example.org:8443/")
    assert load_settings().mattermost_callbacks == "https://inside.example.org:8443"


def test_callbacks_default_to_host_and_port_without_a_public_url() -> None:
    settings = Settings(host="127.0.0.1", port=4000)
    assert settings.mattermost_callbacks == "http://127.0.0.1:4000"
    assert not settings.mattermost_enabled


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"])
def test_the_ca_file_is_read_from_the_usual_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str
) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv(variable, str(ca))
    assert load_settings().mattermost_ca_file == ca


def test_our_own_ca_variable_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours.pem", tmp_path / "theirs.pem"
    for path in (ours, theirs):
        path.write_text("x")
    monkeypatch.setenv("SSL_CERT_FILE", str(theirs))
    monkeypatch.setenv("MELDWIJZER_MATTERMOST_CA_FILE", str(ours))
    assert load_settings().mattermost_ca_file == ours
    assert load_settings(mattermost_ca_file=theirs).mattermost_ca_file == theirs


def test_several_command_tokens_one_per_team() -> None:
    settings = Settings(mattermost_command_token=" teamonetoken , teamtwotoken,teamonetoken")  # type: ignore[arg-type]
    assert settings.mattermost_command_tokens == ("teamonetoken", "teamtwotoken")
    assert Settings().mattermost_command_tokens == ()
    with pytest.raises(ConfigError, match="MELDWIJZER_MATTERMOST_COMMAND_TOKEN"):
        load_settings(mattermost_command_token="teamonetoken,not a token")


def test_token_is_never_printed() -> None:
    settings = Settings(mattermost_token=TOKEN, mattermost_command_token=TOKEN)  # type: ignore[arg-type]
    assert TOKEN not in repr(settings) and TOKEN not in str(settings)


def _production(**overrides: object) -> Settings:
    base: dict[str, object] = {
        "env": "production",
        "public_url": "https://bot.example.org",
        "secret": "s" * 40,
        "teams_enabled": False,
    }
    return Settings(**(base | overrides))  # type: ignore[arg-type]


def test_production_accepts_https_mattermost() -> None:
    settings = _production(mattermost_url="https://chat.example.org", mattermost_token=TOKEN)
    assert production_problems(settings) == []


def test_production_refuses_plain_http_to_the_server() -> None:
    settings = _production(mattermost_url="http://chat.example.org", mattermost_token=TOKEN)
    assert production_problems(settings) == [
        "MELDWIJZER_MATTERMOST_URL must be an https:// address"
    ]


def test_production_refuses_plain_http_callbacks() -> None:
    settings = _production(
        mattermost_url="https://chat.example.org",
        mattermost_token=TOKEN,
        mattermost_callback_url="http://bot.internal:3978",
    )
    assert production_problems(settings) == [
        "MELDWIJZER_MATTERMOST_CALLBACK_URL must be an https:// address"
    ]


def test_production_refuses_half_a_mattermost_setup() -> None:
    assert production_problems(_production(mattermost_url="https://chat.example.org")) == [
        "MELDWIJZER_MATTERMOST_URL is set but MELDWIJZER_MATTERMOST_TOKEN is empty"
    ]
    assert production_problems(_production(mattermost_token=TOKEN)) == [
        "MELDWIJZER_MATTERMOST_TOKEN is set but MELDWIJZER_MATTERMOST_URL is empty"
    ]


def test_development_accepts_plain_http() -> None:
    settings = Settings(mattermost_url="http://127.0.0.1:8065", mattermost_token=TOKEN)  # type: ignore[arg-type]
    assert settings.mattermost_enabled
