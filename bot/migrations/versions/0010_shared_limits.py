"""The web chat's turn limit, shared by every replica: fixed windows.

Revision ID: 0010_shared_limits
Revises: 0009

``rate_windows`` counts a thing (a keyed hash, never a raw token) in its current window,
one row per thing: short-lived counts without rowid on SQLite; nothing is copied from the
per-process limit it replaces.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_shared_limits"
down_revision = "0009"
branch_labels = None
depends_on = None

NO_ROWID = {"sqlite_with_rowid": False}


def upgrade() -> None:
    op.create_table(
        "rate_windows",
        sa.Column("bucket", sa.String(64), primary_key=True),
        sa.Column("window", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        **NO_ROWID,
    )
    op.create_index("ix_rate_windows_window", "rate_windows", ["window"])


def downgrade() -> None:
    op.drop_index("ix_rate_windows_window", table_name="rate_windows")
    op.drop_table("rate_windows")
