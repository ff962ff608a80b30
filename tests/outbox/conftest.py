"""The outbox tests use the signal tests' real services, on SQLite and PostgreSQL."""

from tests.signals.conftest import any_services, build_on

__all__ = ["any_services", "build_on"]
