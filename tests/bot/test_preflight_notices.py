"""The production preflight and e-mail notices: no plain SMTP outside development."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import build_services
from bot.errors import ConfigError
from bot.preflight import check_production, production_problems
from bot.settings import Settings

SAFE = {
    "env": "production",
    "secret": "s" * 48,
    "public_url": "https://meldwijzer.example",
    "teams_app_id": "c9e8c047-2a74-40a2-b28a-b162d5f5327c",
    "teams_tenant_id": "72f988bf-86f1-41af-91ab-2d7cd011db47",
}


def test_plain_smtp_is_refused_in_production(tmp_path: Path) -> None:
    plain = Settings(data_dir=tmp_path, smtp_host="mail.example", smtp_security="none", **SAFE)  # type: ignore[arg-type]
    [problem] = production_problems(plain)
    assert "MELDWIJZER_SMTP_SECURITY=none" in problem
    with pytest.raises(ConfigError, match="SMTP_SECURITY"):
        build_services(plain)


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_encrypted_smtp_passes_the_preflight(tmp_path: Path, security: str) -> None:
    settings = Settings(data_dir=tmp_path, smtp_host="mail.example", smtp_security=security, **SAFE)  # type: ignore[arg-type]
    assert production_problems(settings) == []


def test_plain_smtp_is_allowed_in_development(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, smtp_host="127.0.0.1", smtp_security="none")  # type: ignore[arg-type]
    check_production(settings)  # raises nothing


def test_teams_without_a_tenant_is_refused_in_production(tmp_path: Path) -> None:
    values = {**SAFE, "teams_tenant_id": ""}
    [problem] = production_problems(Settings(data_dir=tmp_path, **values))  # type: ignore[arg-type]
    assert "MELDWIJZER_TEAMS_TENANT_ID" in problem
