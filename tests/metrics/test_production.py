"""Production refuses a metrics port others can reach without a token."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import create_app
from bot.errors import ConfigError
from bot.preflight import check_production, production_problems
from bot.settings import Settings
from tests.metrics.conftest import metrics_settings

WARNING = "MELDWIJZER_METRICS_HOST is not a loopback address and MELDWIJZER_METRICS_TOKEN"


def production(tmp_path: Path, **overrides: object) -> Settings:
    return metrics_settings(
        tmp_path,
        env="production",
        secret="production-" + "s" * 40,
        public_url="https://meldwijzer.example.org",
        kdf_memory_kib=19456,
        kdf_iterations=2,
        **overrides,
    )


def metrics_lines(settings: Settings) -> list[str]:
    return [p for p in production_problems(settings) if "METRICS" in p]


def test_an_open_host_without_a_token_is_refused(tmp_path: Path) -> None:
    settings = production(tmp_path, metrics_host="0.0.0.0")
    assert [line.startswith(WARNING) for line in metrics_lines(settings)] == [True]
    with pytest.raises(ConfigError, match="MELDWIJZER_METRICS_TOKEN"):
        check_production(settings)
    with pytest.raises(ConfigError, match="MELDWIJZER_METRICS_TOKEN"):
        create_app(settings)


@pytest.mark.parametrize("host", ["10.0.0.5", "::", "metrics.internal", "127.0.0.1.nip.io"])
def test_any_host_but_loopback_needs_a_token(tmp_path: Path, host: str) -> None:
    assert metrics_lines(production(tmp_path, metrics_host=host))


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "::1", "localhost", "LOCALHOST"])
def test_loopback_needs_no_token(tmp_path: Path, host: str) -> None:
    assert metrics_lines(production(tmp_path, metrics_host=host)) == []


def test_a_token_opens_any_host(tmp_path: Path) -> None:
    settings = production(tmp_path, metrics_host="0.0.0.0", metrics_token="t" * 40)
    assert metrics_lines(settings) == []


def test_no_port_no_problem(tmp_path: Path) -> None:
    assert metrics_lines(production(tmp_path, metrics_host="0.0.0.0", metrics_port=None)) == []


def test_development_serves_an_open_host_as_asked(tmp_path: Path) -> None:
    check_production(metrics_settings(tmp_path, metrics_host="0.0.0.0"))
