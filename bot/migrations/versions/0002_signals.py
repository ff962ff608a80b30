"""Advisers and sealed signals: no column for a user, a conversation or a time of day.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "advisers",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("languages", sa.String(50), nullable=False),
        sa.Column("units", sa.String(500), nullable=False),
        sa.Column("attributes", sa.String(500), nullable=False),
        sa.Column("teams_id", sa.String(100), nullable=True, unique=True),
        sa.Column("mattermost_id", sa.String(100), nullable=True, unique=True),
        sa.Column("public_key", sa.LargeBinary(), nullable=True),
        sa.Column("keyring", sa.Text(), nullable=True),
    )
    op.create_table(
        "signals",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("lookup_key", sa.LargeBinary(), nullable=False, unique=True),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("receipt_wrap", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column(
            "adviser_id",
            sa.String(32),
            sa.ForeignKey("advisers.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("next_sequence", sa.Integer(), nullable=False),
        sa.Column("reporter_seen", sa.Integer(), nullable=False),
    )
    op.create_index("ix_signals_status", "signals", ["status"])
    op.create_index("ix_signals_adviser_id", "signals", ["adviser_id"])
    op.create_index("ix_signals_closed_on", "signals", ["closed_on"])
    op.create_table(
        "signal_wraps",
        sa.Column(
            "signal_id",
            sa.String(32),
            sa.ForeignKey("signals.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "adviser_id",
            sa.String(32),
            sa.ForeignKey("advisers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "signal_messages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "signal_id",
            sa.String(32),
            sa.ForeignKey("signals.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(10), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.UniqueConstraint("signal_id", "sequence"),
    )
    op.create_index("ix_signal_messages_signal_id", "signal_messages", ["signal_id"])
    op.create_table(
        "adviser_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "adviser_id",
            sa.String(32),
            sa.ForeignKey("advisers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_adviser_sessions_expires_at", "adviser_sessions", ["expires_at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("adviser_id", sa.String(32), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("signal_id", sa.String(32), nullable=False),
        sa.Column("previous", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
    )
    op.create_table(
        "receipt_attempts",
        sa.Column("bucket", sa.String(64), primary_key=True),
        sa.Column("window", sa.Integer(), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "receipt_attempts",
        "audit_log",
        "adviser_sessions",
        "signal_messages",
        "signal_wraps",
        "signals",
        "advisers",
    ):
        op.drop_table(table)
