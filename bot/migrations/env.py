"""Alembic environment: runs on the connection handed in by ``bot.migrate``."""

from __future__ import annotations

from alembic import context

import bot.models  # noqa: F401  (registers every table on Base.metadata)
from bot.db import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
