"""The routing tests run on the same factories as the signal tests, SQLite and PostgreSQL."""

from __future__ import annotations

from tests.signals.conftest import any_services, build_on

__all__ = ["any_services", "build_on"]
