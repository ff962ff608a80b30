"""Settings, the secret file, the data folder and the production preflight."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bot.app import build_services, prepare_data_dir
from bot.errors import ConfigError, StorageError
from bot.preflight import kdf_meets_owasp, production_problems
from bot.secret import SECRET_FILE, server_secret
from bot.settings import Settings, load_settings


def test_generated_secret_is_private_and_stable(tmp_path: Path) -> None:
    first = server_secret(None, tmp_path)
    mode = stat.S_IMODE((tmp_path / SECRET_FILE).stat().st_mode)
    assert mode == 0o600
    assert server_secret(None, tmp_path) == first
    assert len(first) >= 32


def test_secret_readable_by_others_is_refused(tmp_path: Path) -> None:
    server_secret(None, tmp_path)
    os.chmod(tmp_path / SECRET_FILE, 0o644)
    with pytest.raises(StorageError, match="chmod 600"):
        server_secret(None, tmp_path)


def test_damaged_secret_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / SECRET_FILE
    path.write_text("short")
    path.chmod(0o600)
    with pytest.raises(StorageError, match="damaged"):
        server_secret(None, tmp_path)


def test_short_given_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        server_secret("too-short", tmp_path)


def test_data_dir_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ConfigError, match="file, not a folder"):
        prepare_data_dir(target)


def test_secret_never_in_repr() -> None:
    settings = Settings(secret="s" * 40, teams_app_password="hunter2-password")  # type: ignore[arg-type]
    assert "s" * 40 not in repr(settings)
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings)


def test_broken_environment_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MELDWIJZER_PORT", "not-a-port")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "MELDWIJZER_PORT" in str(caught.value) and "\n" not in str(caught.value)


def test_production_refuses_unsafe_setups(tmp_path: Path) -> None:
    unsafe = Settings(
        env="production", data_dir=tmp_path, public_url="http://bot.example", kdf_memory_kib=64
    )  # type: ignore[arg-type]
    problems = production_problems(unsafe)
    assert any("MELDWIJZER_SECRET" in p for p in problems)
    assert any("https://" in p for p in problems)
    assert any("TEAMS_APP_ID" in p for p in problems)
    assert any("KDF" in p for p in problems)
    with pytest.raises(ConfigError, match="refusing to start in production"):
        build_services(unsafe)


def test_production_defaults_meet_owasp() -> None:
    defaults = Settings()
    assert kdf_meets_owasp(defaults.kdf_memory_kib, defaults.kdf_iterations)
    assert not kdf_meets_owasp(64, 1)
    assert kdf_meets_owasp(19456, 2) and not kdf_meets_owasp(19456, 1)


def test_production_refuses_the_try_out_notice_interval(tmp_path: Path) -> None:
    quick = Settings(env="production", data_dir=tmp_path, notice_every_seconds=60)  # type: ignore[arg-type]
    assert any("NOTICE_EVERY_SECONDS" in p for p in production_problems(quick))
    assert not any("NOTICE" in p for p in production_problems(Settings(env="production")))


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MELDWIJZER_NOTICE_TIMES", "9:00"),
        ("MELDWIJZER_NOTICE_TIMES", "09:00,25:00"),
        ("MELDWIJZER_NOTICE_DAYS", "monday"),
        ("MELDWIJZER_DIGEST_TIME", "08:00,09:00"),
        ("MELDWIJZER_TIMEZONE", "Europe/Nowhere"),
        ("MELDWIJZER_TIMEZONE", "../../etc/passwd"),
    ],
)
def test_broken_notice_times_are_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert variable in str(caught.value) and "\n" not in str(caught.value)


def test_notice_times_and_days_are_read_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MELDWIJZER_NOTICE_TIMES", " 14:00, 09:00 ,14:00")
    monkeypatch.setenv("MELDWIJZER_NOTICE_DAYS", "FRI,mon")
    settings = load_settings()
    assert [t.isoformat("minutes") for t in settings.notice_clock] == ["09:00", "14:00"]
    assert settings.notice_weekdays == {0, 4}


@pytest.mark.parametrize(
    ("minutes", "refused"), [(0, True), (59, True), (60, False), (None, False)]
)
def test_production_refuses_counts_written_soon_after_a_signal(
    tmp_path: Path, minutes: int | None, refused: bool
) -> None:
    settings = Settings(env="production", data_dir=tmp_path, stats_flush_minutes=minutes)  # type: ignore[arg-type]
    assert any("STATS_FLUSH_MINUTES" in p for p in production_problems(settings)) is refused
