"""The signal tests' factories (the same flows on SQLite and PostgreSQL) for the counters."""

from __future__ import annotations

from tests.signals.conftest import any_services, build_on

__all__ = ["any_services", "build_on"]
