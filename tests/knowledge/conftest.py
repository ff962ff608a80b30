"""Shared fixtures for the knowledge tests, and the matcher's accuracy in the summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.loader import SHIPPED_CONTENT

FIXTURES = Path(__file__).with_name("fixtures")
ACCURACY_LINES: list[str] = []


@pytest.fixture
def fixture_content() -> Path:
    return FIXTURES / "content"


@pytest.fixture
def fixture_overlay() -> Path:
    return FIXTURES / "overlay"


@pytest.fixture(scope="session")
def shipped_kb() -> KnowledgeBase:
    if not (SHIPPED_CONTENT / ".done").exists():
        pytest.skip("the shipped content is still being written (knowledge/content/.done missing)")
    return KnowledgeBase.load()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in ACCURACY_LINES:
        terminalreporter.write_line(line)
