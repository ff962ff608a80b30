"""Shared fixtures for the knowledge tests, and the matcher's accuracy in the summary."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase

FIXTURES = Path(__file__).with_name("fixtures")
FIXTURE_DAY = date(2026, 12, 1)  # "today" for checking the fixtures, checked 2026-11-28
ACCURACY_LINES: list[str] = []


@pytest.fixture
def fixture_content() -> Path:
    return FIXTURES / "content"


@pytest.fixture
def fixture_overlay() -> Path:
    return FIXTURES / "overlay"


@pytest.fixture(scope="session")
def shipped_kb(knowledge: KnowledgeBase) -> KnowledgeBase:
    """The shipped content, loaded once for the whole run (tests/conftest.py)."""
    return knowledge


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in ACCURACY_LINES:
        terminalreporter.write_line(line)
