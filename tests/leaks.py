"""Looking for canaries: has any id, name, text or receipt reached a file or a log line?"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest


def capture_every_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every logger, ours and the libraries', at DEBUG."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def files_under(folder: Path) -> list[tuple[Path, bytes]]:
    return [(path, path.read_bytes()) for path in sorted(folder.rglob("*")) if path.is_file()]


def assert_absent(secrets: list[str], where: str, blob: bytes) -> None:
    for secret in secrets:
        for form in {secret, secret.lower(), secret.upper()}:
            assert form.encode() not in blob, f"{secret!r} found in {where}"


def assert_nowhere(secrets: list[str], folder: Path, logs: pytest.LogCaptureFixture) -> None:
    """Not in any file of the data folder (database, WAL, …), nor in any log record."""
    stored = files_under(folder)
    assert "meldwijzer.db" in {path.name for path, _ in stored}
    for path, blob in stored:
        assert_absent(secrets, path.name, blob)
    for record in logs.records:
        line = record.getMessage() + (record.exc_text or "") + record.name
        assert_absent(secrets, f"log record {record.name}", line.encode())
    assert_absent(secrets, "formatted log", logs.text.encode())
